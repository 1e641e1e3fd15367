"""Trustworthy under faults: killed loads and builds leave nothing half-done, readers keep
working through rebuilds, secrets stay out of the repository."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest
from conftest import ROOT, raw_counts

FAULT_POINTS = ["stream", "typing", "commit"]


@pytest.fixture(scope="module")
def big_file(lgs, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    lgs("generate", "--lines", "40000", "--seed", "99", "--out", str(path))
    return path


@pytest.fixture(scope="module")
def parts_file(lgs, tmp_path_factory) -> Path:
    """A file big enough for the typed COPY to load in two parts (typed_copy.TWO_PARTS_FROM_BYTES)."""
    from lgs.loading.typed_copy import TWO_PARTS_FROM_BYTES

    path = tmp_path_factory.mktemp("parts") / "parts.csv"
    lgs("generate", "--lines", "110000", "--seed", "98", "--out", str(path))
    assert path.stat().st_size > TWO_PARTS_FROM_BYTES
    return path


@pytest.fixture(scope="module")
def parts_parquet(parts_file) -> Path:
    """The same lines as Parquet: more than one batch (readers.PARQUET_BATCH_ROWS), so two parts."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    path = parts_file.with_suffix(".parquet")
    pq.write_table(pacsv.read_csv(parts_file), path)
    return path


def _raw_fingerprint(lgs) -> tuple:
    if not lgs.scalar("select to_regclass('raw.retail_transactions') is not null"):
        return ()
    return lgs.query(
        "select (select count(*) from raw.retail_transactions), (select coalesce(sum(quantity), 0) from"
        " raw.retail_transactions), (select count(*) from raw.rejected_lines),"
        " (select count(*) from raw.load_batches), (select count(*) from raw.load_batches where status = 'loaded')"
    )[0]


def _kill_at(lgs, point: str, *args: str) -> None:
    env = dict(lgs.env, LGS_FAULT_POINT=point)
    process = subprocess.Popen([sys.executable, "-m", "lgs", *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    for line in process.stderr:
        if line.startswith(f"lgs-fault-point: {point}"):
            break
        assert time.monotonic() < deadline
    else:
        process.wait()
        pytest.fail(f"the load never reached fault point {point!r}: exit {process.returncode}")
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    assert process.returncode == -signal.SIGKILL


@pytest.mark.parametrize("kind", ["csv", "parquet"])
@pytest.mark.parametrize("point", FAULT_POINTS)
def test_killed_load_leaves_raw_tables_untouched(lgs, parts_file, parts_parquet, tmp_path, point, kind):
    """Killed anywhere, a load of a file COPYed in two parts leaves the raw tables as they were;
    once past its copy it has committed its second part, which the next load drops."""
    lgs.reset()
    small = tmp_path / "small.csv"
    lgs("generate", "--lines", "500", "--seed", "1", "--out", str(small))
    lgs("load", str(small))
    before = _raw_fingerprint(lgs)
    # A Parquet copy of generated lines is not the generated file: it loads as real data.
    loaded = ["--allow-mixed", str(parts_parquet)] if kind == "parquet" else [str(parts_file)]
    _kill_at(lgs, point, "load", *loaded)
    # The server drops the dead client's transaction; give it a moment to notice.
    deadline = time.monotonic() + 30
    while lgs.scalar("select count(*) from pg_stat_activity where state like 'idle in transaction%'"
                     " or (query ilike 'copy%' and state = 'active')") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _raw_fingerprint(lgs) == before
    assert lgs.scalar("select count(*) from raw.load_batches where source_file like 'parts.%'") == 0
    left = ("select count(*) from pg_class where relname ~ '^retail_transactions_batch_[0-9]+_part_2$'"
            " and not relispartition")
    # Mid-stream the second part may or may not have been committed yet.
    assert lgs.scalar(left) == 1 if point != "stream" else lgs.scalar(left) <= 1
    result = lgs("load", *loaded)
    assert "read 110,000, loaded 110,000, rejected 0" in result.stdout
    assert raw_counts(lgs)[0] == before[0] + 110_000
    assert lgs.scalar(left) == 0
    assert lgs.scalar("select count(*) from pg_inherits where inhrelid::regclass::text like"
                      " 'raw.retail_transactions_batch_%_part_%'") == 2


def _mart_counts(lgs) -> dict[str, int]:
    marts = ["fct_sales", "fct_orders", "dim_customers", "dim_products", "rfm_segments", "rfm_segment_summary",
             "monthly_kpis", "campaign_audience"]
    return {m: lgs.scalar(f"select count(*) from marts.{m}") for m in marts}


@pytest.fixture(scope="module")
def built(lgs, big_file):
    """A warehouse built from the big file; the tests below add a day to it and rebuild, which
    leaves it built for the next one."""
    lgs.reset()
    lgs("load", str(big_file))
    lgs("build")
    return lgs


def test_killed_build_leaves_every_mart_complete(built, tmp_path):
    lgs = built
    before = _mart_counts(lgs)
    assert all(before.values())
    # New lines arrive, so a build that got through would change the marts.
    extra = tmp_path / "late.csv"
    lgs("generate", "--lines", "3000", "--seed", "7", "--out", str(extra))
    lgs("load", str(extra))
    killed_at, seen = [], []
    for delay in (3.0, 8.0, 14.0):
        process = subprocess.Popen([sys.executable, "-m", "lgs", "build"], cwd=ROOT, env=lgs.env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(delay)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed_at.append(delay)
        process.wait(60)
        # dbt's connections die with it and the server rolls their work back, unless the kill
        # came after the publishing statement was sent: then it completes or not, as a whole.
        seen.append(_mart_counts(lgs))
    assert killed_at, "every build finished before it could be killed"
    print(f"builds killed and recovered: {len(killed_at)} (after {killed_at} s)")
    lgs("build")
    after = _mart_counts(lgs)
    assert after["fct_sales"] > before["fct_sales"]
    for delay, counts in zip((3.0, 8.0, 14.0), seen):
        assert counts in (before, after), f"a build killed after {delay} s left marts {counts}, neither {before} nor {after}"
    tables = {r[0] for r in lgs.query("select tablename from pg_tables where schemaname = 'marts'")}
    # Exactly the published marts: no half-swapped, temporary or backup relation left behind.
    assert tables == set(before) | {"dim_dates", "dropped_duplicate_lines", "load_rejects", "unusual_lines",
                                    "rfm_segment_map", "rfm_segment_playbook", "cohort_retention", "rfm_history",
                                    "segment_migration", "product_affinity", "customer_recommendations",
                                    "sales_by_country_month", "sales_seasonality", "daily_sales",
                                    "customer_predictions", "sales_forecast", "passed_builds"}, tables
    assert not lgs.scalar("select count(*) from pg_namespace where nspname like 'marts\\_\\_%%'")


def test_readers_are_never_broken_by_rebuilds(built, tmp_path):
    """Readers query the marts in a loop (bounded, loopback only) while dbt rebuilds them,
    with a new batch landing before the rebuild so the marts really change."""
    lgs = built
    stop = threading.Event()
    served, errors, inconsistent, versions = [0], [], [], set()

    def reader() -> None:
        with psycopg.connect(lgs.url, autocommit=True) as conn:
            while not stop.is_set():
                try:
                    # One statement, one snapshot: the summary must add up to the segments table.
                    customers, summarised, months, kpi_sum, fact_sum = conn.execute(
                        "select (select count(*) from marts.rfm_segments),"
                        " (select sum(customers) from marts.rfm_segment_summary),"
                        " (select count(*) from marts.monthly_kpis),"
                        " (select sum(net_sales) from marts.monthly_kpis),"
                        " (select sum(line_amount) from marts.fct_sales)"
                    ).fetchone()
                    served[0] += 1
                    versions.add(fact_sum)
                    if customers == 0 or months == 0:
                        inconsistent.append(("empty mart", customers, months))
                    if customers != summarised:
                        inconsistent.append(("summary vs segments", customers, summarised))
                    if kpi_sum != fact_sum:
                        inconsistent.append(("kpis vs facts", kpi_sum, fact_sum))
                except psycopg.Error as exc:
                    errors.append(str(exc).splitlines()[0])
                # A pause between queries, so four readers keep querying all through the rebuild
                # without taking the two cores from it.
                stop.wait(0.05)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        for round_number in range(1):
            extra = tmp_path / f"day{round_number}.csv"
            lgs("generate", "--lines", "3000", "--seed", str(1000 + round_number), "--out", str(extra))
            lgs("load", str(extra))
            lgs("build")
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    print(f"reader queries served during a rebuild: {served[0]}, errors: {len(errors)},"
          f" mart versions seen: {len(versions)}")
    assert served[0] > 25
    # The readers really saw the marts change under them: the first build, then the rebuild.
    assert len(versions) == 2, sorted(versions)
    assert not errors, errors[:5]
    assert not inconsistent, inconsistent[:5]


SECRET_SETTING = re.compile(r"(?i)(password|passwd|secret)\w*\s*[:=]\s*['\"]?(?P<value>[^\s'\",)]+)")
SECRET_IN_URL = re.compile(r"://[^/\s:@]+:(?P<value>[^@\s/]+)@")


def _secrets_in(line: str) -> list[str]:
    """Literal secrets on a line; placeholders, env lookups and type hints are not secrets."""
    values = [m["value"] for pattern in (SECRET_SETTING, SECRET_IN_URL) for m in pattern.finditer(line)]
    return [v for v in values if not (v.startswith(("$", "{", "os.environ", "env_var", "...", "<"))
                                      or v in ("str", "None") or "(" in v or not re.search(r"\w", v))]


def test_secret_detector_finds_literal_secrets():
    fake = "hunter" + "2"  # built at run time, so this file holds no literal one
    assert _secrets_in(f"password: {fake}") == [fake]
    assert _secrets_in(f"export PGPASSWORD={fake}") == [fake]
    assert _secrets_in(f"url: postgresql://lgs:{fake}@db:5432/lgs") == [fake]
    assert _secrets_in("password: \"{{ env_var('PGPASSWORD', '') }}\"") == []
    assert _secrets_in("export PGPASSWORD=...   # yours") == []


def test_no_secret_in_any_tracked_file():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert files, "not a git checkout"
    found = []
    for name in files:
        path = ROOT / name
        if path.suffix in (".png", ".parquet", ".xlsx", ".zip") or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(errors="ignore").splitlines(), 1):
            if _secrets_in(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert not found, found


def test_profile_takes_every_connection_setting_from_the_environment():
    profile = (ROOT / "profiles.yml.example").read_text()
    for key in ("host", "port", "user", "password", "dbname"):
        line = next(l for l in profile.splitlines() if l.strip().startswith(f"{key}:"))
        assert "env_var(" in line, line
