"""The warehouse in a DuckDB file, LGS_HOME/warehouse.duckdb (dbt target `duckdb`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from lgs.engines import sql_literal
from lgs.errors import LgsError
from lgs.loading.rules import DUCKDB


class DuckDBEngine:
    name = "duckdb"
    dialect = DUCKDB

    def __init__(self, read_only: bool = False) -> None:
        import duckdb

        from lgs.engines import engine_env

        path = engine_env()["LGS_DUCKDB_PATH"]
        if read_only and not Path(path).exists():
            raise LgsError(f"no DuckDB warehouse at {path} yet: run `lgs load --target duckdb FILE` and"
                           " `lgs build --target duckdb` first")
        try:
            self.conn = duckdb.connect(path, read_only=read_only)
        except duckdb.Error as exc:
            raise LgsError(f"cannot open the DuckDB warehouse {path}: {str(exc).splitlines()[0]}") from None

    def execute(self, statement: str) -> None:
        self.conn.execute(statement)

    def rows(self, query: str) -> tuple[list[str], list[tuple]]:
        import duckdb

        try:
            cursor = self.conn.execute(query)
        except duckdb.Error as exc:
            raise LgsError(f"duckdb: {str(exc).splitlines()[0]}") from None
        if cursor.description is None:
            return [], []
        return [d[0] for d in cursor.description], cursor.fetchall()

    def literal(self, value: object) -> str:
        return sql_literal(value, backslash_escapes=False)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One batch, all or nothing: DuckDB's transactions cover DDL and DML alike."""
        self.conn.execute("begin transaction")
        try:
            yield
        except BaseException:
            self.conn.execute("rollback")
            raise
        self.conn.execute("commit")

    def land(self, parquet_path: str) -> None:
        self.conn.execute(f"create or replace temp table lgs_landing as select * from read_parquet({self.literal(parquet_path)})")

    def insert_batch(self, table: str, batch_id: int, columns: Sequence[str], select: str) -> None:
        self.conn.execute(f"insert into {table} (batch_id, {', '.join(columns)}) select {batch_id}, * from ({select})")

    def remove_batch(self, table: str, batch_id: int) -> None:
        self.conn.execute(f"delete from {table} where batch_id = {int(batch_id)}")

    def remove_orphans(self) -> None:
        """None can exist: a batch's rows and its record commit in one transaction."""

    def close(self) -> None:
        self.conn.close()
