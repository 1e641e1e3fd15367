"""`lgs demo`: the main job in one command, on sample data when the warehouse is empty."""

from __future__ import annotations

from collections.abc import Callable

from lgs.database import ensure_server, uses_external_server
from lgs.dbt import run_dbt
from lgs.docs import generate_docs
from lgs.errors import LgsError
from lgs.loading import load_paths
from lgs.loading.store import ensure_raw_schema
from lgs.sample_data import generate
from lgs.settings import lgs_home

MART_TABLES = ["fct_sales", "fct_orders", "dim_customers", "dim_products", "dim_dates", "rfm_segments",
               "rfm_segment_summary", "monthly_kpis"]


def run_demo(lines: int, seed: int, say: Callable[[str], None]) -> None:
    connection = ensure_server()
    say(f"database: {'PGHOST' if uses_external_server() else 'embedded PostgreSQL'} at {connection.uri()}")
    with connection.connect() as conn:
        ensure_raw_schema(conn)
        existing = conn.execute("select count(*) from raw.retail_transactions").fetchone()[0]
    if existing:
        say(f"raw.retail_transactions already holds {existing:,} rows: building on those")
    else:
        sample = lgs_home() / "sample" / f"sample_{lines}_seed{seed}.csv"
        written = generate(lines, seed, sample)
        say(f"generated {written:,} sample lines: {sample}")
        load_paths(connection, [sample], report=say)
    say("running dbt build ...")
    if not run_dbt(["build", "--target", "prod"], connection):
        raise LgsError("dbt build failed: see the errors above")
    site = generate_docs()
    say("")
    say("built:")
    with connection.connect() as conn:
        for table in MART_TABLES:
            found = conn.execute("select to_regclass(%s)", (f"marts.{table}",)).fetchone()[0]
            if found:
                count = conn.execute(f"select count(*) from marts.{table}").fetchone()[0]
                say(f"  marts.{table:<22} {count:>10,} rows")
    say("")
    say("look at it:")
    say(f"  psql \"$(lgs db url)\" -c 'select * from marts.rfm_segment_summary'")
    say(f"  lgs docs serve          (docs site; static copy: {site / 'static_index.html'})")
