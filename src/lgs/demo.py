"""`lgs demo`: the main job in one command, on sample data when the warehouse is empty."""

from __future__ import annotations

import json
from collections.abc import Callable

from lgs.database import ensure_server, uses_external_server
from lgs.dbt import run_dbt
from lgs.docs import generate_docs
from lgs.errors import LgsError
from lgs.loading import load_paths
from lgs.loading.store import ensure_raw_schema
from lgs.sample_data import generate
from lgs.settings import lgs_home, target_dir

def published_marts() -> list[str]:
    """The relations analysts read in `marts`, as the dbt manifest `lgs docs generate` wrote
    lists them (models and seeds), so the list never drifts from the project."""
    manifest = json.loads((target_dir() / "manifest.json").read_text())
    return sorted(node["alias"] for node in manifest["nodes"].values()
                  if node["resource_type"] in ("model", "seed") and node["schema"] == "marts"
                  and node["config"].get("enabled", True))


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
    # Parsed as `lgs build` parses: into the builds' own partial-parse state, which the docs
    # below (another state) leave as it is.
    if not run_dbt(["build", "--target", "prod"], connection, parse_once=True):
        raise LgsError("dbt build failed: see the errors above")
    site = generate_docs()
    say("")
    say("built:")
    with connection.connect() as conn:
        for table in published_marts():
            count = conn.execute(f'select count(*) from marts."{table}"').fetchone()[0]
            say(f"  marts.{table:<26} {count:>10,} rows")
    say("")
    say("look at it:")
    say("  lgs sql -c 'select * from rfm_segment_summary order by segment_order'   (as the read-only analyst)")
    say("  lgs export segment \"Can't Lose\" --out cant_lose.xlsx                     (a campaign list)")
    say(f"  lgs docs serve          (docs site; static copy: {site / 'static_index.html'})")
    say("  lgs dashboard           (the marketing dashboard on http://127.0.0.1:8501)")
    say("  lgs predict && lgs build   (lifetime value, churn risk and a sales forecast into the marts)")
