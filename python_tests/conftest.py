"""Shared fixtures: a real embedded PostgreSQL in a throw-away LGS_HOME, and the CLI.

Every test drives `lgs` as a user would (a subprocess, real exit codes and stderr) against
a real PostgreSQL server. PG* variables are removed so a developer's own server is never
touched by the tests.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data" / "online_retail_II.parquet"
UCI_HEADER = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]
OLD_HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
GOOD_ROWS = [
    ["489434", "85048", "15CM CHRISTMAS GLASS BALL 20 LIGHTS", "12", "2009-12-01 07:45:00", "6.95", "13085.0", "United Kingdom"],
    ["489434", "79323P", "PINK CHERRY LIGHTS", "12", "2009-12-01 07:45:00", "6.75", "13085.0", "United Kingdom"],
    ["C489449", "22087", "PAPER BUNTING WHITE LACE", "-12", "2009-12-01 10:33:00", "2.95", "16321.0", "Australia"],
    ["489464", "21733", "85123a mixed", "-96", "2009-12-01 10:52:00", "0.0", "", "United Kingdom"],
    ["489465", "POST", "POSTAGE", "3", "2009-12-01 10:55:00", "18.0", "12533.0", "Germany"],
]


# The files that take minutes, slowest first. scripts/test.sh runs xdist with
# --no-loadscope-reorder, so the workers take whole files in collection order: the long ones
# start first and the two workers finish together (xdist's own order, by number of tests,
# would start these few-test files last).
SLOWEST_FIRST = ["test_engines.py", "test_warehouse.py", "test_incremental.py", "test_definitions.py",
                 "test_faults.py", "test_gates.py", "test_predictions.py", "test_operations.py"]


def pytest_collection_modifyitems(config, items):
    rank = {name: position for position, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


# CI's budget (issue 18): the PostgreSQL suite within 10 minutes, and the tests of the other
# engines, the predictions and the browser within 5 more. The two share the workers, so each
# part's share of the wall time is its summed test time over the number of workers.
BEYOND_POSTGRES = ("test_engines.py", "test_predictions.py", "test_browser.py")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    parts = {"the PostgreSQL suite": 0.0, "engines, predictions and browser": 0.0}
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", None) in ("setup", "call", "teardown"):
                beyond = report.nodeid.split("::")[0].endswith(BEYOND_POSTGRES)
                parts["engines, predictions and browser" if beyond else "the PostgreSQL suite"] += report.duration
    workers = max(getattr(config.option, "numprocesses", None) or 1, 1)
    terminalreporter.write_line(
        f"test time by part, summed over {workers} worker(s) and divided by them: "
        + ", ".join(f"{name} {seconds / workers / 60:.1f} min" for name, seconds in parts.items()))


class Lgs:
    """Runs the CLI in a subprocess with the test environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self._url: str | None = None

    def __call__(self, *args: str, check: bool = True, timeout: float = 900, env: dict | None = None):
        result = subprocess.run(
            [sys.executable, "-m", "lgs", *args],
            cwd=ROOT, env=env or self.env, capture_output=True, text=True, timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"lgs {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    @property
    def url(self) -> str:
        if self._url is None:
            self._url = self("db", "url").stdout.strip()
        return self._url

    def query(self, sql: str, params=None) -> list[tuple]:
        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params=None):
        return self.query(sql, params)[0][0]

    def build_sample(self, folder: Path, lines: int, seed: int, build: tuple[str, ...] = ()) -> Path:
        """An empty warehouse, then one generated sample file loaded and built (`build`: more
        arguments to `lgs build`, e.g. a selection); the file."""
        self.reset()
        path = folder / "base.csv"
        self("generate", "--lines", str(lines), "--seed", str(seed), "--out", str(path))
        self("load", str(path))
        self("build", *build)
        return path

    def reset(self) -> None:
        """An empty warehouse: no raw data, no built models."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            schemas = conn.execute("select nspname from pg_namespace where nspname not like 'pg\\_%%'"
                                   " and nspname not in ('information_schema', 'public')").fetchall()
            for (schema,) in schemas:
                conn.execute(f'drop schema if exists "{schema}" cascade')


@contextmanager
def throwaway_home(prefix: str) -> Iterator[Path]:
    """A new LGS_HOME, short and in /tmp (the server's Unix socket path must stay under ~100
    characters); afterwards its embedded server, if one started, is stopped and it is removed."""
    home = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        yield home
    finally:
        subprocess.run([sys.executable, "-m", "lgs", "db", "stop"], cwd=ROOT, env=_env(home), capture_output=True,
                       timeout=120)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def lgs_home() -> Path:
    with throwaway_home("lgs-test-") as home:
        yield home


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LGS_HOME"] = str(home)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DBT_LOG_PATH"] = str(home / "dbt-logs")
    # dbt's debug log file, which no test reads (the home is thrown away): every build would
    # format and write each statement of each node into it, 3.5 MB for a small sample. A
    # developer's own DBT_LOG_LEVEL_FILE (e.g. debug, to keep it while chasing a failure) wins.
    env.setdefault("DBT_LOG_LEVEL_FILE", "none")
    env["DBT_TARGET_PATH"] = str(home / "target")
    env.pop("LGS_DEBUG", None)
    return env


@pytest.fixture(scope="session")
def lgs(lgs_home: Path) -> Lgs:
    runner = Lgs(_env(lgs_home))
    runner("db", "start")
    return runner


@pytest.fixture
def empty(lgs: Lgs) -> Lgs:
    lgs.reset()
    return lgs


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def raw_counts(lgs: Lgs) -> tuple[int, int, int]:
    """(rows in retail_transactions, rows in rejected_lines, live batches)."""
    exists = lgs.scalar("select to_regclass('raw.retail_transactions') is not null")
    if not exists:
        return (0, 0, 0)
    return lgs.query(
        "select (select count(*) from raw.retail_transactions), (select count(*) from raw.rejected_lines),"
        " (select count(*) from raw.load_batches where status = 'loaded')"
    )[0]


# Columns that say when a row was computed, not what it holds: they differ after a full refresh.
BOOKKEEPING = {"through_batch_id", "live_batch_count", "definitions_hash", "build_number"}
# The published facts' table itself (its identity): the same after a build that appended an
# increment to it, another after one that built it whole and moved it in.
FACTS_TABLE = "select 'marts.fct_sales'::regclass::oid"


def digest(lgs: Lgs, table: str) -> tuple:
    """(rows, a hash of them) of `table` ("schema.name"), leaving out the BOOKKEEPING columns.
    Columns by name: a model upgraded in place may hold its columns in another order."""
    schema, name = table.split(".")
    columns = [c for (c,) in lgs.query("select column_name from information_schema.columns where table_schema = %s"
                                       " and table_name = %s order by column_name", (schema, name))
               if c not in BOOKKEEPING]
    return lgs.query(f"select count(*), md5(string_agg(x::text, '|' order by x::text))"
                     f" from (select {', '.join(columns)} from {table}) x")[0]
