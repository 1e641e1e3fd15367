"""The engines the warehouse runs on: PostgreSQL (the default), DuckDB and Spark.

The same dbt project builds on each (dbt targets `prod`, `duckdb`, `spark`). `lgs` loads raw
files into each through the same rules (lgs.loading.rules) and queries each; this package
opens DuckDB's file and Spark's in-process session under LGS_HOME, and creates their raw and
predictions tables from the same DDL files PostgreSQL's come from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from importlib.resources import files
from typing import TYPE_CHECKING, Protocol

from lgs.errors import LgsError
from lgs.settings import lgs_home

if TYPE_CHECKING:
    from lgs.loading.rules import Dialect

ENGINES = ("postgres", "duckdb", "spark")
# The dbt target each engine's warehouse is built on (profiles.yml.example).
DBT_TARGETS = {"postgres": "prod", "duckdb": "duckdb", "spark": "spark"}


def engine_of(target: str | None) -> str:
    """The engine a dbt or lgs target runs on: duckdb and spark by name, PostgreSQL otherwise
    (prod, ci, dev, or `postgres` itself)."""
    return target if target in ("duckdb", "spark") else "postgres"


def dbt_target(target: str) -> str:
    """`--target postgres` means PostgreSQL's warehouse target, prod; other names pass."""
    return DBT_TARGETS.get(target, target)


def engine_env() -> dict[str, str]:
    """Where the DuckDB file and the Spark warehouse live, for the profile and for lgs."""
    home = lgs_home()
    return {"LGS_DUCKDB_PATH": str(home / "warehouse.duckdb"), "LGS_SPARK_DIR": str(home / "spark")}


# -- the raw and predictions tables, from PostgreSQL's DDL --------------------------------
# A table's body ends at its closing parenthesis, before any clause of PostgreSQL's own
# (raw.retail_transactions is `partition by range (batch_id)` there).
_CREATE = re.compile(r"create table if not exists (\w+\.\w+) \((.*?)\n\)[^;]*;", re.S)
_ADD = re.compile(r"alter table (\w+\.\w+) add column if not exists (\w+) ([a-z ]+?)(?: not null| default|;)")
_COLUMN = re.compile(r"^\s+(\w+) (bigint|integer|text|timestamptz|timestamp|numeric|boolean|double precision|date)\b")
# Money and customer numbers: PostgreSQL's unbounded numeric, 9 decimals elsewhere.
_TYPES = {
    "duckdb": {"numeric": "decimal(38, 9)", "double precision": "double"},
    "spark": {"numeric": "decimal(38, 9)", "double precision": "double", "text": "string",
              "timestamptz": "timestamp", "integer": "int"},
}


def table_columns(ddl_file: str) -> dict[str, list[tuple[str, str]]]:
    """Each table of one of the package's PostgreSQL DDL files (`lgs.loading/schema.sql`):
    its columns and PostgreSQL types, in order, with columns added later by ALTER."""
    package, name = ddl_file.split("/")
    text = files(package).joinpath(name).read_text()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, body in _CREATE.findall(text):
        tables[table] = [m.groups() for line in body.splitlines() if (m := _COLUMN.match(line))]
    for table, column, kind in _ADD.findall(text):
        tables[table].append((column, kind.strip()))
    return tables


RAW_TABLES = "lgs.loading/schema.sql"
PREDICTION_TABLES = "lgs.predictions/schema.sql"


def create_statements(engine: str) -> list[str]:
    """CREATE statements for the raw and predictions tables on `engine`. Spark's tables of
    load batches are partitioned by batch, so a batch is written or removed as a whole."""
    statements = []
    for ddl_file in (RAW_TABLES, PREDICTION_TABLES):
        for table, columns in table_columns(ddl_file).items():
            schema = f"create schema if not exists {table.split('.')[0]}"
            if schema not in statements:
                statements.append(schema)
            body = ", ".join(f"{name} {_TYPES[engine].get(kind, kind)}" for name, kind in columns)
            partitioned = engine == "spark" and any(name == "batch_id" for name, _ in columns)
            suffix = " using parquet" + (" partitioned by (batch_id)" if partitioned else "") if engine == "spark" else ""
            statements.append(f"create table if not exists {table} ({body}){suffix}")
    return statements


class Engine(Protocol):
    name: str
    dialect: Dialect

    def execute(self, statement: str) -> None: ...
    def rows(self, query: str) -> tuple[list[str], list[tuple]]: ...
    def literal(self, value: object) -> str: ...
    def transaction(self) -> contextmanager: ...
    def land(self, parquet_path: str) -> None: ...
    def insert_batch(self, table: str, batch_id: int, columns: Sequence[str], select: str) -> None: ...
    def remove_batch(self, table: str, batch_id: int) -> None: ...
    def remove_orphans(self) -> None: ...  # rows of a killed load that has no batch record
    def close(self) -> None: ...


def sql_literal(value: object, backslash_escapes: bool = False) -> str:
    """A Python value as an SQL literal. Spark reads backslashes in string literals as
    escapes (`backslash_escapes`); DuckDB, as PostgreSQL, does not."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"timestamp '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"date '{value.isoformat()}'"
    text = str(value).replace("\\", "\\\\") if backslash_escapes else str(value)
    return "'" + text.replace("'", "\\'" if backslash_escapes else "''") + "'"


def scalar(engine: Engine, query: str) -> object:
    return engine.rows(query)[1][0][0]


@contextmanager
def open_engine(name: str, read_only: bool = False) -> Iterator[Engine]:
    """DuckDB's file or Spark's session, with the raw and predictions tables in place."""
    if name == "duckdb":
        from lgs.engines.duckdb import DuckDBEngine as engine_class
    elif name == "spark":
        from lgs.engines.spark import SparkEngine as engine_class
    else:
        raise LgsError(f"unknown engine {name!r}: use one of {', '.join(ENGINES)}")
    engine = engine_class(read_only=read_only)
    try:
        if not read_only:
            for statement in create_statements(name):
                engine.execute(statement)
        yield engine
    finally:
        engine.close()


def print_rows(columns: list[str], rows: list[tuple], say) -> None:
    """A query's result as psql prints it: aligned columns, a rule, the row count."""
    texts = [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in texts)]) for i, c in enumerate(columns)]
    say(" | ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    say("-+-".join("-" * w for w in widths))
    for row in texts:
        say(" | ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())
    say(f"({len(rows)} row{'' if len(rows) == 1 else 's'})")
