"""The same sample on PostgreSQL, DuckDB and Spark: every mart equal row by row.

One generated sample, a second file of later lines and a file of bad lines are loaded on each
engine with `lgs load --target X`. DuckDB builds after the first file and again after the
others (so its incremental models add a batch); PostgreSQL and Spark (whose models are
rebuilt whole) build once; each runs every data test, and its last build the unit tests too.
Then every published mart and seed is compared with PostgreSQL's: keys, counts and text
exactly, money to the cent, rates to 1e-9. The notebook-exact mode is compared the same way,
and the loads' bookkeeping (read, loaded, rejected, and each reject's reason).
"""

from __future__ import annotations

import json
import math
import pickle
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import write_csv
from test_warehouse import NOTEBOOK_VARS

pytestmark = pytest.mark.skipif(shutil.which("java") is None,
                                reason="Spark needs a Java runtime (Java 17 is on this project's machine image)")

ENGINES = ("duckdb", "spark")
MONEY = Decimal("0.005")
RATE = 1e-9
# Columns that say when an engine loaded or built a row, not what it holds (DuckDB builds twice).
WHEN_BUILT = {"load_rejects": {"loaded_at"}, "fct_sales": {"build_number"}, "dropped_duplicate_lines": {"build_number"},
              "unusual_lines": {"build_number"}}
BAD_LINES = [
    ["990001", "22138", "BAKING SET", "1.5", "2011-06-01 10:00:00", "4.95", "12345", "France"],
    ["990002", "22138", "BAKING SET", "2", "01.06.2011 10:00", "4.95", "12345", "France"],
    ["990003", "22138", "BAKING SET", "2", "2011-06-01 10:00:00", "NaN", "12345", "France"],
    ["990004", "22138", "BAKING SET", "2", "2011-06-01 10:00:00", "4.95", "12345.5", "France"],
    ["", "22138", "BAKING SET", "2", "2011-06-01 10:00:00", "4.95", "12345", "France"],
    ["990006", "22138", "BAKING SET", "2", "2011-02-30 10:00:00", "4.95", "12345", "France"],
    ["990007", "22138", "BAKING SET", "3", "6/1/2011 10:05", "4.95", "12346", "France"],
]
HEADER = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
SMALL_SAMPLE_JVM = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"


def _load_and_build(lgs, target: str, files: list[Path], builds_after: list[int]) -> None:
    """Load `files` in order, building after the ones at `builds_after` (the last build with
    the unit tests); files between two builds load in one command (one Spark start)."""
    start = 0
    for position in builds_after:
        lgs("load", "--target", target, "--allow-mixed", *map(str, files[start:position + 1]))
        last = position == builds_after[-1]
        built = lgs("build", "--target", target, *(["--unit-tests"] if last else []), timeout=1200).stdout
        start = position + 1
    # The last build ran the unit tests on this engine (its SQL dialect) as well.
    assert len(re.findall(r"PASS \w+::test_\w+", built)) >= 20, built[-2000:]


@pytest.fixture(scope="module")
def engines(lgs, tmp_path_factory):
    """All three warehouses built from the same files; this process reads DuckDB and Spark."""
    folder = tmp_path_factory.mktemp("engines")
    home = Path(lgs.env["LGS_HOME"])
    lgs.reset()
    shutil.rmtree(home / "spark", ignore_errors=True)
    (home / "warehouse.duckdb").unlink(missing_ok=True)
    # The sample is small, so Spark's fixed cost per query dominates: four threads overlap it
    # (the results cannot depend on it; the default is one query at a time). And each JVM
    # lives a minute or two: the JIT's quick tier alone (with room for its code) spends 38%
    # less CPU than compiling hot code again for speed (a Spark build: 165 -> 103 s of CPU).
    lgs.env["LGS_SPARK_THREADS"] = "4"
    lgs.env["LGS_SPARK_JAVA_OPTIONS"] = SMALL_SAMPLE_JVM
    files = [folder / "base.csv", folder / "later.csv", folder / "bad.csv"]
    lgs("generate", "--lines", "20000", "--seed", "17", "--out", str(files[0]))
    lgs("generate", "--lines", "1500", "--seed", "18", "--out", str(files[1]))
    write_csv(files[2], HEADER, BAD_LINES)
    # PostgreSQL's incremental models are proven equal to a full refresh elsewhere
    # (test_incremental.py); here DuckDB's are proven equal to PostgreSQL's.
    _load_and_build(lgs, "postgres", files, [2])
    _load_and_build(lgs, "duckdb", files, [0, 2])
    _load_and_build(lgs, "spark", files, [2])
    yield lgs, files
    lgs.env.pop("LGS_SPARK_THREADS")
    lgs.env.pop("LGS_SPARK_JAVA_OPTIONS")


# DuckDB's file and Spark's metastore take one process at a time: read them in a child
# process, as `lgs` itself would, all queries at once.
_READER = """
import pickle, sys
from lgs.engines import open_engine
queries = pickle.load(open(sys.argv[2], "rb"))
with open_engine(sys.argv[1], read_only=True) as warehouse:
    results = [warehouse.rows(query) for query in queries]
pickle.dump(results, open(sys.argv[2], "wb"))
"""


def _read_all(lgs, engine: str, queries: list[str]) -> list[tuple[list[str], list[tuple]]]:
    if engine == "postgres":
        import psycopg

        results = []
        with psycopg.connect(lgs.url, autocommit=True) as conn:
            for query in queries:
                cursor = conn.execute(query)
                results.append(([c.name for c in cursor.description], cursor.fetchall()))
        return results
    exchange = Path(lgs.env["LGS_HOME"]) / f"engine-read-{engine}.pickle"
    exchange.write_bytes(pickle.dumps(queries))
    subprocess.run([sys.executable, "-c", _READER, engine, str(exchange)], env={**lgs.env, "TZ": "UTC"},
                   check=True, capture_output=True, timeout=600)
    return pickle.loads(exchange.read_bytes())


def _read(lgs, engine: str, query: str) -> tuple[list[str], list[tuple]]:
    return _read_all(lgs, engine, [query])[0]


def _plain(value):
    """Values as compared: timestamps without a zone (UTC), everything else as read."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _key_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(Decimal(value).quantize(Decimal("0.01")))
    return str(_plain(value))


def _sort_key(row: tuple) -> tuple:
    # Floats may differ in the last bits between engines: order by everything else.
    return tuple(_key_text(v) for v in row if not isinstance(v, float))


def _differences(name: str, columns: list[str], expected: list[tuple], got: list[tuple]) -> list[str]:
    if len(expected) != len(got):
        return [f"{name}: {len(got)} rows, PostgreSQL has {len(expected)}"]
    problems = []
    for want, have in zip(sorted(expected, key=_sort_key), sorted(got, key=_sort_key)):
        for column, a, b in zip(columns, map(_plain, want), map(_plain, have)):
            if a is None or b is None:
                same = a is None and b is None
            elif isinstance(a, float) or isinstance(b, float):
                same = math.isclose(float(a), float(b), rel_tol=0, abs_tol=RATE)
            elif isinstance(a, Decimal) or isinstance(b, Decimal):
                same = abs(Decimal(str(a)) - Decimal(str(b))) <= MONEY
            else:
                same = a == b
            if not same:
                problems.append(f"{name}.{column}: PostgreSQL {a!r}, got {b!r} (row {want[:3]})")
                break
        if len(problems) >= 5:
            break
    return problems


def _published_marts(lgs) -> list[str]:
    return [row[0] for row in lgs.query(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1")]


def _mart_queries(lgs, marts: list[str], skip_columns: dict[str, set[str]]) -> tuple[dict[str, list[str]], list[str]]:
    """Each mart's compared columns, and the query that reads them."""
    columns = {name: [c for c in _read(lgs, "postgres", f"select * from marts.{name} limit 0")[0]
                      if c not in skip_columns.get(name, set())] for name in marts}
    return columns, [f"select {', '.join(columns[name])} from marts.{name}" for name in marts]


def _mart_problems(marts: list[str], columns: dict[str, list[str]], results: dict[str, list]) -> dict[str, list[str]]:
    """Each engine's differences from PostgreSQL, given every engine's results of _mart_queries."""
    problems: dict[str, list[str]] = {}
    for engine in ENGINES:
        problems[engine] = []
        for name, (_, want), (_, have) in zip(marts, results["postgres"], results[engine]):
            problems[engine].extend(_differences(name, columns[name], want, have))
    return problems


def _compare_marts(lgs, marts: list[str], skip_columns: dict[str, set[str]]) -> dict[str, list[str]]:
    columns, queries = _mart_queries(lgs, marts, skip_columns)
    results = {engine: _read_all(lgs, engine, queries) for engine in ("postgres", *ENGINES)}
    return _mart_problems(marts, columns, results)


# The loads' bookkeeping: every batch's counts, every reject's reason, and the lines' totals.
LOAD_QUERIES = [
    "select source_file, status, rows_read, rows_loaded, rows_rejected from raw.load_batches order by 1",
    "select source_file, source_row, reason from raw.rejected_lines order by 1, 2",
    "select count(*), sum(quantity), sum(unit_price * quantity), count(distinct customer_id)"
    " from raw.retail_transactions",
]


@pytest.fixture(scope="module")
def read_back(engines):
    """Every published mart except the build log (passed_builds), and the loads' bookkeeping,
    read from each engine in one go: one Spark start for the two tests that compare them."""
    lgs, _ = engines
    # How often and when each engine built differs (DuckDB built twice): not what is compared.
    marts = [name for name in _published_marts(lgs) if name != "passed_builds"]
    # When a batch was loaded or a line built differs by engine; nothing else may.
    columns, queries = _mart_queries(lgs, marts, WHEN_BUILT)
    mart_results, load_results = {}, {}
    for engine in ("postgres", *ENGINES):
        results = _read_all(lgs, engine, queries + LOAD_QUERIES)
        mart_results[engine], load_results[engine] = results[:len(queries)], results[len(queries):]
    return lgs, marts, columns, mart_results, load_results


def test_every_mart_is_equal_on_all_three_engines(read_back):
    lgs, marts, columns, mart_results, _ = read_back
    assert len(marts) >= 24 and "rfm_segments" in marts and "product_affinity" in marts
    problems = _mart_problems(marts, columns, mart_results)
    assert problems == {"duckdb": [], "spark": []}, json.dumps(problems, indent=1)
    # The comparison has teeth: the sample fills the marts it compares.
    for name in ("fct_sales", "rfm_segments", "product_affinity", "customer_recommendations", "rfm_history",
                 "segment_migration", "cohort_retention", "dropped_duplicate_lines", "load_rejects"):
        assert lgs.scalar(f"select count(*) from marts.{name}") > 0, name


def test_the_loads_agree_row_by_row(read_back):
    *_, load_results = read_back
    expected = [rows for _, rows in load_results["postgres"]]
    assert [row[2:] for row in expected[0]] == [(7, 1, 6), (20000, 20000, 0), (1500, 1500, 0)]
    assert {row[1] for row in expected[1]} == {2, 3, 4, 5, 6, 7}
    for engine in ENGINES:
        got = [rows for _, rows in load_results[engine]]
        for query, want, have in zip(LOAD_QUERIES, expected, got):
            assert [tuple(map(_plain, r)) for r in have] == [tuple(map(_plain, r)) for r in want], (engine, query)


def test_duckdb_publishes_nothing_from_a_failing_build(engines):
    lgs, _ = engines
    before = _read(lgs, "duckdb", "select count(*), sum(customers) from marts.rfm_segment_summary")[1]
    failed = lgs("build", "--target", "duckdb", "--vars", json.dumps({"rfm_as_of": "2001-01-01"}),
                 "--select", "+rfm_segment_summary", check=False)
    assert failed.returncode == 1 and "Marts NOT published" in failed.stdout, failed.stdout[-2000:]
    built, published, published_as_of = (rows for _, rows in _read_all(lgs, "duckdb", [
        "select min(rfm_as_of) from marts_build.rfm_segments",
        "select count(*), sum(customers) from marts.rfm_segment_summary",
        "select min(rfm_as_of) from marts.rfm_segments"]))
    assert built[0][0].isoformat() == "2001-01-01"
    assert published == before and published_as_of[0][0].isoformat() != "2001-01-01"


def test_sql_prints_a_query_on_each_engine(engines):
    lgs, _ = engines
    expected = lgs.scalar("select count(*) from marts.rfm_segments")
    # Spark's embedded Hive would leave a /tmp/<session id>_resources folder (the JVM's temp
    # folder) for every session.
    folders = set(Path("/tmp").glob("*_resources"))
    for engine in ENGINES:
        shown = lgs("sql", "--target", engine, "-c", "select count(*) as customers from rfm_segments")
        assert shown.stdout.splitlines()[0].strip() == "customers" and str(expected) in shown.stdout
        assert "(1 row)" in shown.stdout
        # Nothing else on the terminal: neither Spark's warnings nor pyspark's, only the JVM's
        # own note on the module Spark adds to it.
        assert [line for line in shown.stderr.splitlines() if "incubator modules" not in line] == [], shown.stderr
    assert set(Path("/tmp").glob("*_resources")) <= folders


# Last: it leaves the warehouses in notebook mode.
def test_notebook_mode_is_equal_on_all_three_engines(engines):
    lgs, _ = engines
    # Models only: every engine ran these models' tests in its full build above.
    selection = ["--vars", NOTEBOOK_VARS, "--select", "+rfm_segment_summary", "+monthly_kpis", "+fct_sales"]
    # Each engine keeps its own warehouse: the three runs go side by side.
    with ThreadPoolExecutor(3) as runs:
        list(runs.map(lambda target: lgs("dbt", "run", "--target", target, *selection, timeout=1200),
                      ("postgres", *ENGINES)))
    marts = ["fct_sales", "rfm_segments", "rfm_segment_summary", "monthly_kpis", "dim_customers"]
    assert _compare_marts(lgs, marts, WHEN_BUILT) == {"duckdb": [], "spark": []}
    # Notebook mode is on: duplicates are kept and the reference date is the notebook's.
    assert lgs.scalar("select min(rfm_as_of) from marts.rfm_segments").isoformat() == "2012-01-01"
    assert lgs.scalar("select count(*) from marts.fct_sales") == 20000 + 1500 + 1
