"""Performance harness: every figure of the performance goals in one command.

    python bench/run.py                      # every part; scale at 1x, 3x and 10x (about 25 min)
    python bench/run.py load build --runs 5  # just those parts
    python bench/run.py scale --scales 1,3    # a quicker scale check
    python bench/run.py engines --engine-scales 1,10   # PostgreSQL, DuckDB and Spark side by side
    python bench/run.py commands             # a build with nothing new, a reading command, alternated

Each part prints its figures and writes them to bench/results/latest.json (with the date;
the other parts' last figures stay).
Timings are medians of --runs runs (scale: one run per size, as a 10x build takes minutes);
every comparison is a ratio of two figures measured in the same invocation, on the same server.
The server is a throw-away embedded PostgreSQL in LGS_HOME (default .lgs-bench/), so the
benchmark never touches your warehouse.
Needs ../shared/data/online_retail_II.parquet (the real dataset) for load, build and notebook.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "online_retail_II.parquet"
REAL_ROWS = 1_067_371
sys.path.insert(0, str(ROOT / "bench"))


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    home = Path(os.environ.get("LGS_HOME", ROOT / ".lgs-bench")).resolve()
    env.update(LGS_HOME=str(home), DBT_TARGET_PATH=str(home / "target"), DBT_LOG_PATH=str(home / "logs"),
               DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    return env


ENV = environment()
HOME = Path(ENV["LGS_HOME"])


def _tree_kb(root: int, proportional: bool = False) -> int:
    """Resident memory of a process and all its descendants (Spark's JVM is a child of lgs).
    With `proportional`, each process's share of the pages it shares (Pss): PostgreSQL's
    backends all map the same shared buffers, which resident sizes would count once each."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    source, field = ("smaps_rollup", "Pss:") if proportional else ("status", "VmRSS:")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/{source}").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1])
        except (OSError, ValueError):
            pass
    return total


def _server_pid() -> int | None:
    """The embedded server's postmaster, when it runs."""
    try:
        return int((HOME / "pgdata" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def measure(*command: str, check: bool = True, tree: bool = False, server: bool = False) -> dict:
    """Run a command; its wall time and its peak resident memory.

    The peak is the process's own high-water mark (VmHWM, which starts afresh at exec),
    read from /proc while it runs: the rusage figure would also count this script's memory
    at the fork, which after the pandas part is a gigabyte. Children of the command (psql,
    pg_ctl) are not counted; `lgs` loads and runs dbt in its own process. With `tree`, the
    peak of the summed resident memory of the command and its descendants is reported too
    (sampled every 0.2 s): Spark runs in a JVM that lgs starts. With `server`, the peak of
    the embedded PostgreSQL server's memory (postmaster and backends, proportional set size)
    while the command runs, sampled as often."""
    server_pid = _server_pid() if server else None
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak_kb = tree_kb = server_kb = 0

    def watch() -> None:
        nonlocal peak_kb, tree_kb, server_kb
        status = Path(f"/proc/{process.pid}/status")
        ticks = 0
        while process.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
            except (OSError, ValueError):
                pass
            if tree and ticks % 10 == 0:
                tree_kb = max(tree_kb, _tree_kb(process.pid))
            if server_pid and ticks % 10 == 5:
                server_kb = max(server_kb, _tree_kb(server_pid, proportional=True))
            ticks += 1
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    output = process.stdout.read().decode(errors="replace")
    process.wait()
    seconds = time.perf_counter() - started
    watcher.join()
    if check and process.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} exited {process.returncode}:\n{output[-3000:]}")
    return {"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "peak_tree_mb": max(tree_kb, peak_kb) / 1024,
            "server_peak_mb": server_kb / 1024, "output": output}


def lgs(*args: str, check: bool = True, tree: bool = False, server: bool = False) -> dict:
    return measure(sys.executable, "-m", "lgs", *args, check=check, tree=tree, server=server)


def median_of(runs: int, action) -> tuple[float, list[dict]]:
    results = [action() for _ in range(runs)]
    return statistics.median(r["seconds"] for r in results), results


def psql(sql: str) -> dict:
    return measure(psql_path(), "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-qAt", "-d", url(), "-c", sql)


_cache: dict[str, str] = {}


def url() -> str:
    if "url" not in _cache:
        _cache["url"] = lgs("db", "url")["output"].strip().splitlines()[-1]
    return _cache["url"]


def psql_path() -> str:
    if "psql" not in _cache:
        code = "from lgs.database import psql_executable; print(psql_executable())"
        _cache["psql"] = measure(sys.executable, "-c", code)["output"].strip()
    return _cache["psql"]


def new_day(path: Path, seed: int, lines: int = 2000) -> Path:
    """`lines` generated lines, all dated the day after the last invoice in the raw table
    (their times of day kept): one new day of trade, as a nightly load brings. The generator
    spreads its lines over two years, which would make every month and most customers take
    late lines; that case is the incremental test's (late lines, cancellations of old
    invoices), not a day's."""
    spread = path.with_name(path.stem + "_spread.csv")
    lgs("generate", "--lines", str(lines), "--seed", str(seed), "--out", str(spread))
    last = psql("select max(invoice_date)::date from raw.retail_transactions")["output"].strip()
    day = date.fromisoformat(last) + timedelta(days=1)
    with open(spread, newline="", encoding="utf-8") as source, \
            open(path, "w", newline="", encoding="utf-8") as target:
        rows = csv.reader(source)
        writer = csv.writer(target, lineterminator="\n")
        writer.writerow(next(rows))
        for row in rows:
            row[4] = f"{day.isoformat()} {row[4][11:]}"
            writer.writerow(row)
    spread.unlink()
    return path


def reset() -> None:
    psql("drop schema if exists raw, staging, intermediate, marts, marts_build cascade")


def real_csv() -> Path:
    """The real dataset written once as a UCI-header CSV (outside the repository)."""
    path = HOME / "bench" / "online_retail_II.csv"
    if not path.exists():
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        path.parent.mkdir(parents=True, exist_ok=True)
        pacsv.write_csv(pq.read_table(REAL).drop_columns(["sheet"]), path)
    return path


def real_xlsx() -> Path:
    """The real dataset as the UCI workbook, its two sheets ("Year 2009-2010", "Year
    2010-2011"), written once (outside the repository; openpyxl's write-only mode, about two
    minutes)."""
    path = HOME / "bench" / "online_retail_II.xlsx"
    if not path.exists():
        import openpyxl
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        table = pq.read_table(REAL)
        workbook = openpyxl.Workbook(write_only=True)
        for sheet_name in pc.unique(table["sheet"]).to_pylist():
            sheet = workbook.create_sheet(sheet_name)
            part = table.filter(pc.equal(table["sheet"], sheet_name)).drop_columns(["sheet"])
            sheet.append(part.column_names)
            for row in zip(*(column.to_pylist() for column in part.columns)):
                sheet.append(row)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.xlsx")
        workbook.save(partial)
        partial.rename(path)
    return path


def rate(rows: int, seconds: float) -> int:
    return round(rows / seconds)


# -- parts ---------------------------------------------------------------------------------

def bench_load(runs: int) -> dict:
    csv_path = real_csv()
    lgs("db", "start")
    reset()
    columns = ", ".join(f"c{i} text" for i in range(8))
    bare_path = str(csv_path).replace("'", "''")

    def bare() -> dict:
        psql(f"drop table if exists public.bench_copy; create unlogged table public.bench_copy ({columns})")
        return psql(f"\\copy public.bench_copy from '{bare_path}' with (format csv, header true)")

    def typed() -> dict:
        # What any one-transaction typed load costs at least: the server's typed COPY of the
        # same CSV into a batch partition of raw.retail_transactions created, attached and
        # committed in the same transaction by the loader's own statements
        # (store.batch_partition_ddl), its lineage defaults filled; dropped afterwards, untimed.
        from lgs.loading.columns import COLUMN_ORDER
        from lgs.loading.store import batch_partition, batch_partition_ddl

        partition = batch_partition(0).as_string(None)
        ddl = [arg for statement in batch_partition_ddl(0, "bench") for arg in ("-c", statement.as_string(None))]
        timed = measure(psql_path(), "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-qAt", "-d", url(), "-c", "begin",
                        *ddl,
                        "-c", f"\\copy {partition} ({', '.join(COLUMN_ORDER)}) from '{bare_path}'"
                              " with (format csv, header true, on_error ignore)", "-c", "commit")
        psql(f"drop table {partition}")
        return timed

    results = {}
    # Interleaved, so drift on the machine hits all of them alike.
    xlsx_path = real_xlsx()
    timings: dict[str, list[dict]] = {"bare_copy": [], "typed_copy": [], "lgs_csv": [], "lgs_parquet": [],
                                      "lgs_xlsx": []}
    for _ in range(runs):
        timings["bare_copy"].append(bare())
        # Each load into an empty raw table, like the bare copy (a --replace would also
        # delete the previous million rows inside the timed transaction).
        reset()
        timings["lgs_csv"].append(lgs("load", str(csv_path)))
        timings["typed_copy"].append(typed())
        reset()
        timings["lgs_xlsx"].append(lgs("load", str(xlsx_path)))
        reset()
        timings["lgs_parquet"].append(lgs("load", str(REAL)))
    psql("drop table if exists public.bench_copy")
    for name, measured in timings.items():
        seconds = statistics.median(m["seconds"] for m in measured)
        results[name] = {"seconds": round(seconds, 2), "rows_per_second": rate(REAL_ROWS, seconds),
                         "peak_rss_mb": round(max(m["peak_rss_mb"] for m in measured))}
    bare_seconds = results["bare_copy"]["seconds"]
    results["csv_throughput_vs_bare_copy"] = round(bare_seconds / results["lgs_csv"]["seconds"], 2)
    results["parquet_throughput_vs_bare_copy"] = round(bare_seconds / results["lgs_parquet"]["seconds"], 2)
    results["xlsx_throughput_vs_bare_copy"] = round(bare_seconds / results["lgs_xlsx"]["seconds"], 2)
    results["typed_copy_vs_bare_copy"] = round(bare_seconds / results["typed_copy"]["seconds"], 2)
    print(f"load ({REAL_ROWS:,} rows, median of {runs}):")
    for name in timings:
        r = results[name]
        print(f"  {name:<12} {r['seconds']:6.2f} s  {r['rows_per_second']:>10,} rows/s  peak {r['peak_rss_mb']} MB")
    print(f"  ratio to bare \\copy: csv {results['csv_throughput_vs_bare_copy']}x,"
          f" parquet {results['parquet_throughput_vs_bare_copy']}x (target >= 0.5x), xlsx"
          f" {results['xlsx_throughput_vs_bare_copy']}x (a workbook is unzipped and its XML parsed: no"
          f" copy speed to reach); the server's typed COPY"
          f" alone (typed_copy: no client, no checks) {results['typed_copy_vs_bare_copy']}x")
    return results


def _slowest(count: int = 5) -> list[dict]:
    run_results = json.loads((HOME / "target" / "run_results.json").read_text())
    timed = sorted(run_results["results"], key=lambda r: r["execution_time"], reverse=True)
    return [{"node": r["unique_id"], "seconds": round(r["execution_time"], 2)} for r in timed[:count]]


def _breakdown(wall_seconds: float) -> dict:
    """Where the last build's time went: dbt's run (threads overlap the nodes) against the
    command's wall time (the rest is lgs and dbt starting, parsing, the pre-run checks), and
    the summed node seconds per kind: models, data tests, unit tests, seeds."""
    run_results = json.loads((HOME / "target" / "run_results.json").read_text())
    kinds: dict[str, float] = {}
    for result in run_results["results"]:
        kind = result["unique_id"].split(".")[0]
        kinds[kind] = kinds.get(kind, 0.0) + result["execution_time"]
    return {"wall_seconds": round(wall_seconds, 2), "dbt_run_seconds": round(run_results["elapsed_time"], 2),
            "outside_the_run_seconds": round(wall_seconds - run_results["elapsed_time"], 2),
            "node_seconds": {kind: round(seconds, 2) for kind, seconds in sorted(kinds.items())}}


def _node_spans(run_results: dict) -> dict[str, tuple[float, float]]:
    """Each node's (start, end) in seconds: from dbt compiling it to its SQL's end."""
    spans = {}
    for result in run_results["results"]:
        timing = {step["name"]: step for step in result["timing"]}
        if "compile" in timing and "execute" in timing:
            spans[result["unique_id"]] = (datetime.fromisoformat(timing["compile"]["started_at"]).timestamp(),
                                          datetime.fromisoformat(timing["execute"]["completed_at"]).timestamp())
    return spans


def critical_path(run_results: dict, manifest: dict) -> dict:
    """The chain of nodes the run's wall time waited on, and where one node ran alone.

    In `dbt build` a node starts once its parents and their tests have passed. From the
    node that ended last (run hooks aside), the chain steps back to whichever of those
    ended last, until a node had none. Each link's seconds are its own (threads sharing the
    cores stretch them); `between` is what the chain spent waiting on dbt itself. `alone`
    sums the seconds in which a single node ran: on a machine of two cores, one was idle,
    whatever the thread count. Unit tests, which `lgs build` leaves out, are not followed."""
    spans = _node_spans(run_results)
    nodes = manifest["nodes"]
    tests_of: dict[str, list[str]] = {}
    for unique_id, node in nodes.items():
        if node["resource_type"] == "test" and unique_id in spans:
            for parent in node["depends_on"]["nodes"]:
                tests_of.setdefault(parent, []).append(unique_id)

    def blockers(unique_id: str) -> list[str]:
        node = nodes.get(unique_id, {})
        parents = [p for p in node.get("depends_on", {}).get("nodes", []) if p in spans]
        # A test waits for its model only; a model also for its parents' tests.
        gates = [] if node.get("resource_type") == "test" else [t for p in parents for t in tests_of.get(p, [])]
        start = spans[unique_id][0]
        # Only what ended before it started: a test of two models (a relationship) may still
        # run when a child of one of them starts.
        return [b for b in parents + gates if spans[b][1] <= start]

    graph_nodes = [u for u in spans if not u.startswith("operation.")]
    if not graph_nodes:
        return {"seconds": 0.0, "chain": [], "between_seconds": 0.0, "alone_seconds": 0.0, "alone": {}}
    chain = [max(graph_nodes, key=lambda u: spans[u][1])]
    while found := blockers(chain[-1]):
        chain.append(max(found, key=lambda u: spans[u][1]))
    chain.reverse()
    own = sum(spans[u][1] - spans[u][0] for u in chain)
    seconds = spans[chain[-1]][1] - spans[chain[0]][0]
    # Who ran alone: the run cut at every start and end, each piece given to the one node in it.
    cuts = sorted({t for span in spans.values() for t in span})
    alone: dict[str, float] = {}
    for left, right in zip(cuts, cuts[1:]):
        running = [u for u, (s, e) in spans.items() if s <= left and right <= e]
        if len(running) == 1:
            name = running[0].split(".")[2]
            alone[name] = alone.get(name, 0.0) + right - left
    return {"seconds": round(seconds, 2), "between_seconds": round(seconds - own, 2),
            "chain": [{"node": u, "seconds": round(spans[u][1] - spans[u][0], 2)} for u in chain],
            "alone_seconds": round(sum(alone.values()), 2),
            "alone": {name: round(s, 2) for name, s in sorted(alone.items(), key=lambda item: -item[1])}}


# The models whose growth with the data is watched (the pair and history marts).
GROWTH_WATCHED = ["int_customers_rfm_history", "rfm_history", "segment_migration", "int_order_products",
                  "int_product_pairs", "product_affinity", "customer_recommendations", "cohort_retention"]


def _node_seconds(names: list[str]) -> dict[str, float]:
    """Execution seconds of these models in the last dbt run."""
    run_results = json.loads((HOME / "target" / "run_results.json").read_text())
    found = {r["unique_id"].rsplit(".", 1)[1]: r["execution_time"] for r in run_results["results"]
             if r["unique_id"].startswith("model.")}
    return {name: round(found.get(name, 0.0), 2) for name in names}


def _ensure_real_loaded() -> None:
    lgs("db", "start")
    exists = psql("select to_regclass('raw.retail_transactions') is not null")["output"].strip() == "t"
    count = int(psql("select count(*) from raw.retail_transactions")["output"].strip()) if exists else 0
    if count != REAL_ROWS:
        reset()
        lgs("load", str(REAL))


def floor_seconds(runs: int) -> float:
    """The compute floor (bench/floor.sql: RFM and monthly KPIs by hand from the raw table)."""
    script = str(ROOT / "bench" / "floor.sql")
    return median_of(runs, lambda: measure(psql_path(), "--no-psqlrc", "-qAt", "-d", url(), "-f", script))[0]


def bench_build(runs: int) -> dict:
    _ensure_real_loaded()
    lgs("build")  # warm: first build creates the schemas, roles and published marts
    seconds, measured = median_of(runs, lambda: lgs("build", "--full-refresh"))
    slowest = _slowest()
    breakdown = _breakdown(measured[-1]["seconds"])
    path = critical_path(json.loads((HOME / "target" / "run_results.json").read_text()),
                         json.loads((HOME / "target" / "manifest.json").read_text()))
    floor = floor_seconds(runs)
    # Issue 18: half of the 53 s it measured when it was filed.
    result = {"full_build_seconds": round(seconds, 2), "target_seconds": 26.5,
              "peak_rss_mb": round(max(m["peak_rss_mb"] for m in measured)), "slowest_nodes": slowest,
              "breakdown_of_the_last_build": breakdown, "critical_path_of_the_last_build": path,
              "floor_seconds": round(floor, 2), "ratio_to_floor": round(seconds / floor, 1)}
    print(f"full build (lgs build --full-refresh: models + all tests, real data, median of {runs}):"
          f" {seconds:.1f} s (target <= 26.5 s, half of issue 18's 53 s);"
          f" the compute floor (bench/floor.sql) {floor:.1f} s,"
          f" ratio {seconds / floor:.1f} (target <= 8)")
    nodes = ", ".join(f"{kind} {secs} s" for kind, secs in breakdown["node_seconds"].items())
    print(f"  last build: {breakdown['wall_seconds']} s = dbt's run {breakdown['dbt_run_seconds']} s"
          f" + {breakdown['outside_the_run_seconds']} s starting, parsing and checking; node seconds"
          f" (threads overlap them): {nodes}")
    for node in slowest:
        print(f"  {node['seconds']:6.2f} s  {node['node']}")
    links = [link for link in path["chain"] if link["seconds"] >= 0.5]
    print(f"  critical path of the last build: {path['seconds']} s of dbt's run, {len(path['chain'])} nodes"
          f" ({path['between_seconds']} s of it between them), those of 0.5 s or more: "
          + ", ".join(f"{link['node'].split('.')[2]} {link['seconds']}" for link in links))
    print(f"  one node running alone (one core of two idle): {path['alone_seconds']} s, most in "
          + ", ".join(f"{name} {secs}" for name, secs in list(path["alone"].items())[:5]))
    return result


def bench_notebook(runs: int) -> dict:
    """The notebook's tables from the raw file (pandas, two styles) vs. from the raw table
    (the warehouse's RFM and monthly KPI models and their parents, no tests, warm server).

    Pandas is timed the way a user waits for it, as a fresh `python bench/notebook.py` on
    the real data's CSV (what the notebook read), like the warehouse's `lgs dbt run`; and,
    as the hardest peer, inside this process on the Parquet file, imports and cache warm."""
    import notebook

    def in_process(style: str):
        def run() -> dict:
            started = time.perf_counter()
            notebook.STYLES[style](REAL)
            return {"seconds": time.perf_counter() - started}
        return run

    csv_path = real_csv()
    _ensure_real_loaded()
    lgs("build")
    select = ["--select", "+rfm_segments", "+monthly_kpis"]
    figures = {}
    for style in ("notebook", "vectorised"):
        def script(style: str = style) -> dict:
            return measure(sys.executable, "bench/notebook.py", str(csv_path), "--style", style)

        def from_server(style: str = style) -> dict:
            return measure(sys.executable, "bench/notebook.py", url(), "--style", style)

        figures[f"pandas_{style}_csv_process_seconds"] = median_of(runs, script)[0]
        # The seeds' notebook read the raw table from PostgreSQL with pandas: the honest peer.
        figures[f"pandas_{style}_postgres_process_seconds"] = median_of(runs, from_server)[0]
        figures[f"pandas_{style}_parquet_warm_seconds"] = median_of(runs, in_process(style))[0]
    # Everything recomputed from the raw table, as pandas recomputes from the file.
    figures["warehouse_full_refresh_seconds"] = median_of(runs, lambda: lgs("dbt", "run", "--target", "prod", *select, "--full-refresh"))[0]
    # The daily case: the incremental duplicate ranks are already up to date.
    figures["warehouse_incremental_seconds"] = median_of(runs, lambda: lgs("dbt", "run", "--target", "prod", *select))[0]
    for side in ("full_refresh", "incremental"):
        for peer in ("notebook_csv_process", "vectorised_csv_process", "notebook_postgres_process",
                     "vectorised_postgres_process", "notebook_parquet_warm", "vectorised_parquet_warm"):
            figures[f"ratio_{side}_to_{peer}"] = figures[f"warehouse_{side}_seconds"] / figures[f"pandas_{peer}_seconds"]
    figures = {name: round(value, 2) for name, value in figures.items()}
    print(f"notebook peer (median of {runs}; the warehouse reads raw.retail_transactions):")
    for style, label in (("notebook", "notebook style"), ("vectorised", "vectorised")):
        print(f"  pandas, {label}: {figures[f'pandas_{style}_csv_process_seconds']:.2f} s as a process reading the CSV,"
              f" {figures[f'pandas_{style}_postgres_process_seconds']:.2f} s as a process reading the raw table"
              f" from PostgreSQL, {figures[f'pandas_{style}_parquet_warm_seconds']:.2f} s warm in-process reading Parquet")
    for side, label in (("full_refresh", "--full-refresh"), ("incremental", "incremental, nothing new")):
        print(f"  lgs dbt run {' '.join(select[1:])} ({label}): {figures[f'warehouse_{side}_seconds']:.2f} s;"
              f" ratio to the notebook style from PostgreSQL {figures[f'ratio_{side}_to_notebook_postgres_process']}"
              f" (target <= 1.5), from the CSV {figures[f'ratio_{side}_to_notebook_csv_process']},"
              f" to vectorised {figures[f'ratio_{side}_to_vectorised_csv_process']};"
              f" to the warm Parquet peers {figures[f'ratio_{side}_to_notebook_parquet_warm']}"
              f" and {figures[f'ratio_{side}_to_vectorised_parquet_warm']}")
    return figures


def bench_incremental(runs: int) -> dict:
    """One more day of lines after the real data: an incremental build vs. a full one."""
    _ensure_real_loaded()
    lgs("build")
    full_run, _ = median_of(runs, lambda: lgs("dbt", "run", "--target", "prod", "--full-refresh"))
    lgs("build")
    incremental_run, incremental_build, full_build = [], [], []
    for number in range(runs):
        day = new_day(HOME / "bench" / f"day_{number}.csv", 500 + number)
        lgs("load", "--allow-mixed", str(day))  # generated lines onto the real data, on purpose
        incremental_run.append(lgs("dbt", "run", "--target", "prod")["seconds"])
        day_again = new_day(HOME / "bench" / f"day_{number}b.csv", 600 + number)
        lgs("load", "--allow-mixed", str(day_again))
        incremental_build.append(lgs("build")["seconds"])
    full_build_seconds, _ = median_of(runs, lambda: lgs("build", "--full-refresh"))
    result = {
        "day_lines": 2000,
        "models_full_refresh_seconds": round(full_run, 2),
        "models_incremental_seconds": round(statistics.median(incremental_run), 2),
        "build_full_refresh_seconds": round(full_build_seconds, 2),
        "build_incremental_seconds": round(statistics.median(incremental_build), 2),
    }
    result["models_ratio"] = round(result["models_incremental_seconds"] / result["models_full_refresh_seconds"], 2)
    result["build_ratio"] = round(result["build_incremental_seconds"] / result["build_full_refresh_seconds"], 2)
    print(f"incremental (one new day = 2,000 lines dated the day after the real data, median of {runs}):")
    print(f"  models only (dbt run): {result['models_incremental_seconds']} s vs full refresh"
          f" {result['models_full_refresh_seconds']} s = {result['models_ratio']} (target < 0.15)")
    print(f"  models + all tests (lgs build): {result['build_incremental_seconds']} s vs full refresh"
          f" {result['build_full_refresh_seconds']} s = {result['build_ratio']}")
    # Leave the warehouse as the real data alone, for the other parts.
    psql("delete from raw.retail_transactions where left(source_file, 4) = 'day_';"
         " delete from raw.load_batches where left(source_file, 4) = 'day_'")
    return result


def bench_commands(runs: int) -> dict:
    """What a command pays besides its work, on the real data: `lgs build` with nothing new
    loaded, alternated with a reading command on prod (`lgs dbt test` of one small model),
    and how many of them parsed the whole project again (dbt says so on its output)."""
    _ensure_real_loaded()
    reading = ("dbt", "test", "--target", "prod", "--select", "dim_dates")
    lgs("build")
    lgs(*reading)  # each command's partial-parse state made once, as a user's would be
    builds, reads = [], []
    for _ in range(runs):
        builds.append(lgs("build"))
        reads.append(lgs(*reading))
    full_parses = sum("Unable to do partial parsing" in run["output"] for run in builds + reads)
    result = {
        "build_nothing_new_seconds": round(statistics.median(run["seconds"] for run in builds), 2),
        "reading_command_seconds": round(statistics.median(run["seconds"] for run in reads), 2),
        "full_parses": full_parses,
        "commands": 2 * runs,
    }
    print(f"commands (alternated, median of {runs}): lgs build with nothing new {result['build_nothing_new_seconds']} s,"
          f" lgs dbt test --select dim_dates {result['reading_command_seconds']} s;"
          f" {full_parses} of {2 * runs} parsed the whole project again")
    return result


def bench_scale(runs: int, scales: list[float]) -> dict:
    """At each scale, from an empty warehouse: load, full build (every model and test), then
    one new day of lines (2,000) loaded and built incrementally. Wall time, the peak memory
    of lgs and of the embedded server (proportional set size), one run each."""
    lgs("db", "start")
    rows = {}
    for factor in scales:
        path = _generated(factor)
        lines = round(REAL_ROWS * factor)
        reset()
        load = lgs("load", str(path), server=True)
        build = lgs("build", server=True)
        marts = _node_seconds(GROWTH_WATCHED)
        day = new_day(HOME / "bench" / f"scale_day_{lines}.csv", 700)
        lgs("load", "--allow-mixed", str(day))
        day_build = lgs("build", server=True)
        day_slowest = _slowest(8)
        day_breakdown = _breakdown(day_build["seconds"])
        rows[factor] = {"lines": lines, "load_seconds": round(load["seconds"], 2),
                        "load_peak_rss_mb": round(load["peak_rss_mb"]), "build_seconds": round(build["seconds"], 2),
                        "build_peak_rss_mb": round(build["peak_rss_mb"]),
                        "server_peak_mb": round(max(load["server_peak_mb"], build["server_peak_mb"],
                                                    day_build["server_peak_mb"])),
                        "day_build_seconds": round(day_build["seconds"], 2),
                        "day_build_ratio": round(day_build["seconds"] / build["seconds"], 3),
                        "mart_seconds": marts, "day_breakdown": day_breakdown, "day_slowest": day_slowest}
        row = rows[factor]
        print(f"scale {factor}x ({lines:,} lines): load {row['load_seconds']:.1f} s, build {row['build_seconds']:.1f} s,"
              f" one new day {row['day_build_seconds']:.1f} s ({row['day_build_ratio']} of the build, target < 0.15);"
              f" peak memory lgs {max(row['load_peak_rss_mb'], row['build_peak_rss_mb'])} MB,"
              f" server {row['server_peak_mb']} MB")
        print("  " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in marts.items()))
        print(f"  one new day: dbt's run {day_breakdown['dbt_run_seconds']:.1f} s, node seconds "
              + ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in day_breakdown["node_seconds"].items())
              + "; slowest: " + ", ".join(f"{r['node'].split('.')[2]} {r['seconds']:.1f} s" for r in day_slowest))
    base = rows[min(scales)]
    for factor, row in rows.items():
        row["load_growth"] = round(row["load_seconds"] / base["load_seconds"], 2)
        row["build_growth"] = round(row["build_seconds"] / base["build_seconds"], 2)
        row["mart_growth"] = {name: round(seconds / max(base["mart_seconds"][name], 0.01), 2)
                              for name, seconds in row["mart_seconds"].items()}
    top = rows[max(scales)]
    print(f"growth {min(scales)}x -> {max(scales)}x: load {top['load_growth']}x, build {top['build_growth']}x"
          f" (target <= {1.2 * max(scales) / min(scales):.0f}x)")
    print("  marts: " + ", ".join(f"{name} {growth}x" for name, growth in top["mart_growth"].items()))
    return {str(k): v for k, v in rows.items()}


def _generated(factor: float) -> Path:
    """Generated lines, `factor` times the real data's count (written once)."""
    lines = round(REAL_ROWS * factor)
    path = HOME / "bench" / f"generated_{lines}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        lgs("generate", "--lines", str(lines), "--seed", "2026", "--out", str(path))
    return path


ENGINE_NAMES = ("postgres", "duckdb", "spark")


def _empty_engine(engine: str) -> None:
    import shutil

    if engine == "postgres":
        reset()
    elif engine == "duckdb":
        (HOME / "warehouse.duckdb").unlink(missing_ok=True)
    else:
        shutil.rmtree(HOME / "spark", ignore_errors=True)


def bench_engines(runs: int, scales: list[float]) -> dict:
    """The real data (1x) and generated data at the other --engine-scales on each engine:
    `lgs load --target X` and `lgs build --target X` (every model and test), one run each,
    wall time and the peak memory of lgs with its children (Spark's JVM). PostgreSQL's own
    server is a separate process, not counted (see scale for its build figures)."""
    lgs("db", "start")
    rows: dict[str, dict] = {}
    for factor in scales:
        path = REAL if factor == 1 else _generated(factor)
        for engine in ENGINE_NAMES:
            _empty_engine(engine)
            load = lgs("load", "--target", engine, "--allow-mixed", str(path), tree=True)
            build = lgs("build", "--target", engine, tree=True)
            row = {"load_seconds": round(load["seconds"], 1), "load_peak_mb": round(load["peak_tree_mb"]),
                   "build_seconds": round(build["seconds"], 1), "build_peak_mb": round(build["peak_tree_mb"])}
            rows[f"{engine} {factor:g}x"] = row
            print(f"engines {engine} {factor:g}x: load {row['load_seconds']} s (peak {row['load_peak_mb']} MB),"
                  f" build {row['build_seconds']} s (peak {row['build_peak_mb']} MB)", flush=True)
        base = rows[f"postgres {factor:g}x"]["build_seconds"]
        print(f"  build ratio to PostgreSQL at {factor:g}x: " + ", ".join(
            f"{e} {rows[f'{e} {factor:g}x']['build_seconds'] / base:.2f}" for e in ENGINE_NAMES), flush=True)
    _empty_engine("postgres")
    return rows


def bench_dashboard(runs: int) -> dict:
    """Each dashboard page, real data, in headless Chromium: seconds until interactive (the
    page idle, every chart drawn). Cold: the first visit after the dashboard starts (its
    queries not cached yet); warm: the median of --runs visits in fresh browser sessions."""
    import shutil
    import socket

    from playwright.sync_api import sync_playwright

    from lgs.dashboard import PAGE_READY_JS, PAGES

    _ensure_real_loaded()
    lgs("build")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "lgs", "dashboard", "--port", str(port)], cwd=ROOT, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shots = HOME / "dashboard"
    shots.mkdir(parents=True, exist_ok=True)
    timings: dict[str, list[float]] = {title: [] for title in PAGES.values()}
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            for visit in range(runs + 1):
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                for path, title in PAGES.items():
                    started = time.perf_counter()
                    page.goto(f"http://127.0.0.1:{port}/{path}")
                    page.wait_for_function(PAGE_READY_JS, timeout=60_000, polling=20)
                    timings[title].append(time.perf_counter() - started)
                    if visit == 0:
                        page.screenshot(path=str(shots / f"{title.lower()}.png"), full_page=True)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    result = {title: {"cold_seconds": round(times[0], 2), "warm_seconds": round(statistics.median(times[1:]), 2)}
              for title, times in timings.items()}
    print(f"dashboard (real data, seconds until interactive; target < 2 s; screenshots in {shots}):")
    for title, figures in result.items():
        print(f"  {title:<10} cold {figures['cold_seconds']:.2f} s, warm {figures['warm_seconds']:.2f} s")
    return result


PARTS = ["load", "build", "notebook", "incremental", "commands", "scale", "dashboard", "engines"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # No `choices` here: argparse checks an empty list of parts against them and fails.
    parser.add_argument("parts", nargs="*", metavar="part", help=f"any of {', '.join(PARTS)} (default: all)")
    parser.add_argument("--runs", type=int, default=3, help="runs per timing (median reported)")
    parser.add_argument("--scales", default="1,3,10", help="comma-separated multiples of the real size (one run each)")
    parser.add_argument("--engine-scales", default="1,10",
                        help="engines part: 1 is the real data, others generated multiples of its size")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    options = parser.parse_args(argv)
    unknown = [part for part in options.parts if part not in PARTS]
    if unknown:
        parser.error(f"unknown part {unknown[0]!r}: choose from {', '.join(PARTS)}")
    options.parts = options.parts or PARTS
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if any(p != "scale" for p in options.parts) and not REAL.exists():
        print(f"bench: needs the real dataset at {REAL}", file=sys.stderr)
        return 2
    # Parts run alone add to the figures of the others' last runs, each with its date.
    try:
        figures = json.loads(options.out.read_text())
    except (OSError, ValueError):
        figures = {}
    figures.update({"machine": {"cpus": os.cpu_count()}, "runs": options.runs})
    measured_at = figures.setdefault("measured_at", {})
    for part in options.parts:
        measured_at[part] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        if part == "scale":
            figures[part] = bench_scale(options.runs, [float(s) for s in options.scales.split(",")])
        elif part == "engines":
            figures[part] = bench_engines(options.runs, [float(s) for s in options.engine_scales.split(",")])
        else:
            figures[part] = globals()[f"bench_{part}"](options.runs)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures written to {options.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
