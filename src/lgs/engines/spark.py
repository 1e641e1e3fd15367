"""The warehouse on Spark, in process (dbt target `spark`, dbt-spark's `session` method):
tables under LGS_HOME/spark/warehouse, their catalog in an embedded Hive metastore beside
them. The session's settings are the profile's (profiles.yml.example), so `lgs load` and
dbt see the same warehouse.

Spark's tables here are plain Parquet, without transactions: every table of load batches is
partitioned by batch, and a batch is written by overwriting its partitions, its batch record
last. A load killed half-way leaves partitions without a live batch record; the next load
removes them before it starts.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

from lgs.engines import sql_literal
from lgs.errors import LgsError
from lgs.loading.rules import SPARK


def session_settings() -> dict[str, str]:
    """The spark output's server_side_parameters from the profile, rendered with lgs's env."""
    import jinja2
    import yaml

    from lgs.engines import engine_env
    from lgs.settings import project_dir

    profile = yaml.safe_load((project_dir() / "profiles.yml.example").read_text())
    parameters = profile["lgs_warehouse"]["outputs"]["spark"]["server_side_parameters"]
    env = {**os.environ, **engine_env()}

    def env_var(name: str, default: str | None = None) -> str:
        return env.get(name, default)

    return {key: jinja2.Template(str(value)).render(env_var=env_var) for key, value in parameters.items()}


def spark_session():
    """The process's Spark session (dbt-spark's session method finds the same one)."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)
    # Spark's log settings (errors only), unless the user points Spark at their own.
    os.environ.setdefault("SPARK_CONF_DIR", str(Path(__file__).with_name("spark_conf")))
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in session_settings().items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():
        # Starting, pyspark imports its test helpers, which warn that pandas 3 is not yet fully
        # supported: lgs hands Spark no pandas frame, and the engines tests compare every mart.
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    name = "spark"
    dialect = SPARK

    def __init__(self, read_only: bool = False) -> None:
        try:
            self.session = spark_session()
        except Exception as exc:  # noqa: BLE001 - Java missing, a metastore held by another process, ...
            raise LgsError(f"cannot start Spark: {str(exc).strip().splitlines()[0]}") from None

    def execute(self, statement: str) -> None:
        self.rows(statement)

    def rows(self, query: str) -> tuple[list[str], list[tuple]]:
        from pyspark.errors import PySparkException

        try:
            frame = self.session.sql(query)
            return list(frame.columns), [tuple(row) for row in frame.collect()]
        except PySparkException as exc:
            raise LgsError(f"spark: {str(exc).strip().splitlines()[0]}") from None

    def literal(self, value: object) -> str:
        return sql_literal(value, backslash_escapes=True)

    def transaction(self):
        return nullcontext()

    def land(self, parquet_path: str) -> None:
        self.session.read.parquet(parquet_path).createOrReplaceTempView("lgs_landing")

    def insert_batch(self, table: str, batch_id: int, columns: Sequence[str], select: str) -> None:
        self.execute(f"insert overwrite table {table} partition (batch_id = {int(batch_id)}) ({', '.join(columns)}) {select}")

    def remove_batch(self, table: str, batch_id: int) -> None:
        self.execute(f"alter table {table} drop if exists partition (batch_id = {int(batch_id)})")

    def remove_orphans(self) -> None:
        """Partitions of a load killed before its batch record was written."""
        live = {row[0] for row in self.rows("select batch_id from raw.load_batches")[1]}
        for table in ("raw.retail_transactions", "raw.rejected_lines"):
            for (spec,) in self.rows(f"show partitions {table}")[1]:
                batch_id = int(spec.split("=", 1)[1])
                if batch_id not in live:
                    self.remove_batch(table, batch_id)

    def close(self) -> None:
        """The session stays up for the rest of the process (dbt-spark reuses it)."""
