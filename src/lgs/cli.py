"""The `lgs` command. Thin: it parses arguments and calls functions tests can call too."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import click

from lgs import __version__
from lgs.engines import ENGINES, engine_of
from lgs.errors import LgsError


def _say(message: str) -> None:
    click.echo(message)


def _help_asked(args: tuple[str, ...]) -> bool:
    """For a command that hands its arguments on (to dbt, psql, sqlfluff): when they ask for
    help, print lgs's own help for the command first, without touching the database."""
    if not any(arg in ("-h", "--help") for arg in args):
        return False
    click.echo(click.get_current_context().get_help())
    return True


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lgs")
def cli() -> None:
    """London Gift Shop warehouse: database, loading, sample data, dbt, docs."""


# -- database -----------------------------------------------------------------------------
@cli.group(short_help="The warehouse database, embedded or yours.")
def db() -> None:
    """The warehouse database: embedded PostgreSQL, or yours via PGHOST and friends."""


@db.command("start")
def db_start() -> None:
    """Start the embedded server (no-op with PGHOST set)."""
    from lgs.database import ensure_server, uses_external_server

    connection = ensure_server()
    where = "external server (PGHOST)" if uses_external_server() else "embedded server"
    _say(f"{where} ready: {connection.uri()}")


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded server."""
    from lgs.database import EmbeddedServer, uses_external_server

    if uses_external_server():
        raise LgsError("PGHOST is set: that server is not ours to stop")
    _say("stopped" if EmbeddedServer().stop() else "not running")


@db.command("status")
def db_status() -> None:
    """Say which server is in use and whether it is up."""
    from lgs.database import EmbeddedServer, current_connection, uses_external_server

    connection = current_connection()
    if uses_external_server():
        try:
            with connection.connect() as conn:
                version = conn.execute("show server_version").fetchone()[0]
            _say(f"external server (PGHOST) up, PostgreSQL {version}: {connection.uri()}")
        except LgsError as exc:
            raise LgsError(f"external server (PGHOST) not reachable: {exc}") from None
        return
    server = EmbeddedServer()
    state = "running" if server.is_running() else ("stopped" if server.is_initialised() else "not created yet")
    _say(f"embedded server {state}: data in {server.pgdata}; {connection.uri()}")
    # Exit codes as `pg_ctl status` gives them: 0 running, 3 stopped, 4 no data folder yet.
    if state != "running":
        sys.exit(3 if state == "stopped" else 4)


@db.command("url", short_help="Print the database's libpq URI.")
def db_url() -> None:
    """Print a libpq URI for psql or psycopg (starts the embedded server if needed)."""
    from lgs.database import ensure_server

    _say(ensure_server().uri())


@db.command("env", short_help="Print export lines for plain dbt and psql.")
def db_env() -> None:
    """Print `export` lines so plain `dbt` and `psql` reach the same database."""
    from lgs.database import ensure_server
    from lgs.dbt import dbt_environment

    for name, value in dbt_environment(ensure_server()).items():
        if name != "PGPASSWORD":
            _say(f"export {name}={shlex.quote(value)}")


# -- loading and sample data --------------------------------------------------------------
@cli.command(short_help="Load retail files into the raw tables.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Reload files already loaded (same checksum), replacing their rows.")
@click.option("--encoding", default="utf-8", show_default=True, type=click.Choice(["utf-8", "latin-1", "cp1252"]),
              help="Text encoding of CSV and SQL files.")
@click.option("--allow-mixed", is_flag=True,
              help="Load real data beside generated sample data (or the reverse) all the same.")
@click.option("--target", "engine", default="postgres", show_default=True, type=click.Choice(ENGINES),
              help="The engine whose warehouse to load.")
def load(paths: tuple[Path, ...], replace: bool, encoding: str, allow_mixed: bool, engine: str) -> None:
    """Load retail files (.csv, .xlsx, .parquet, retail.sql, .zip) into raw.retail_transactions."""
    from lgs import checksums

    checksums.start(paths)  # read while the loader is imported
    try:
        from lgs.loading import inspect_paths, load_readers

        readers = inspect_paths(paths, encoding)  # refuse bad files before starting anything
        if engine != "postgres":
            from lgs.loading.portable import load_readers_on

            load_readers_on(engine, readers, replace=replace, report=_say, allow_mixed=allow_mixed)
            return
        from lgs.database import ensure_server

        load_readers(ensure_server(), readers, replace=replace, report=_say, allow_mixed=allow_mixed)
    finally:
        checksums.stop()


@cli.command()
@click.option("--lines", default=100_000, show_default=True, type=click.IntRange(min=1), help="Lines to write.")
@click.option("--seed", default=42, show_default=True, type=int, help="Same seed, same file.")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="CSV file to write.")
def generate(lines: int, seed: int, out: Path) -> None:
    """Write realistic sample transaction lines as a UCI-format CSV."""
    from lgs.sample_data import generate as write_sample

    written = write_sample(lines, seed, out)
    _say(f"wrote {written:,} lines to {out}")


@cli.command(short_help="List every load batch.")
def batches() -> None:
    """Every load batch: id, status (`loaded`, `replaced` by a reload, `unloaded`), whether it
    is generated sample data or real, rows read, loaded and rejected, when, the file's SHA-256
    and name."""
    from lgs.database import ensure_server
    from lgs.batches import batches as batch_lines

    for line in batch_lines(ensure_server()):
        _say(line)


@cli.command(short_help="Remove load batches from the raw data.")
@click.argument("batch_ids", nargs=-1, required=True, type=int)
def unload(batch_ids: tuple[int, ...]) -> None:
    """Remove the rows of BATCH_IDS from the raw tables (all of them or, on any error, none);
    their records stay, marked `unloaded`. The next `lgs build` leaves no trace of them."""
    from lgs.batches import unload as unload_batches
    from lgs.database import ensure_server

    for line in unload_batches(ensure_server(), list(batch_ids)):
        _say(line)


@cli.command(short_help="Empty the warehouse, after a confirmation.")
@click.option("--yes", is_flag=True, help="Do not ask (for scripts).")
def reset(yes: bool) -> None:
    """Drop the raw data and every schema `lgs build` writes (raw, staging, intermediate,
    marts). Asks first, unless --yes."""
    from lgs.batches import WAREHOUSE_SCHEMAS, reset as reset_warehouse
    from lgs.database import ensure_server

    if not yes:
        if not sys.stdin.isatty():
            raise LgsError("lgs reset empties the warehouse and cannot ask here: pass --yes to confirm")
        click.confirm(f"Drop {', '.join(WAREHOUSE_SCHEMAS)} and everything in them?", abort=True)
    _say(reset_warehouse(ensure_server()))


@cli.command(short_help="Show the rows a load rejected, and why.")
@click.argument("batch", required=False, type=int)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1), help="Rows to show at most.")
def rejects(batch: int | None, limit: int) -> None:
    """The rows `lgs load` could not type, of BATCH or of every batch: file, row number, reason
    and the row as read. Analysts count them per batch and reason in `marts.load_rejects`."""
    from lgs.database import ensure_server
    from lgs.batches import format_rejects, rejected_rows

    rows, total = rejected_rows(ensure_server(), batch, limit)
    for line in format_rejects(rows, total):
        _say(line)


# -- dbt ----------------------------------------------------------------------------------
def _connection_for(target: str):
    """PostgreSQL's connection (the server started if embedded) for a PostgreSQL target; None
    for duckdb and spark, which need no server."""
    if engine_of(target) != "postgres":
        return None
    from lgs.database import ensure_server

    return ensure_server()


_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


@cli.command(context_settings=_PASSTHROUGH, short_help="Build, test and publish the marts.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def build(args: tuple[str, ...]) -> None:
    """Check raw-data freshness, then run `dbt build` on target prod: build and test every
    model and seed, and publish the marts to analysts only when every model and test passed.
    Unit tests (fixed inputs, not the data) are left to CI and `lgs demo`, as dbt advises for
    production runs; --unit-tests runs them too. Other ARGS go to dbt (--vars and --target
    also to the freshness check)."""
    if _help_asked(args):
        _say("\n--unit-tests  run the unit tests too (left out by default, as in any production run)"
             "\nOther ARGS are dbt build's options: see `lgs dbt build --help`.")
        return
    from lgs.dbt import dbt_session, production_build, shared_options, target_of, with_target

    args = with_target(production_build(args), "prod")
    with dbt_session(args, _connection_for(target_of(args)), parse_once=True) as invoke:
        # The check writes no artifacts: the build after it writes the manifest and its results
        # (writing the manifest twice cost each `lgs build` 0.35 s).
        if not invoke(["source", "freshness", "--select", "source:retail", "--no-write-json",
                       *shared_options(args)]):
            raise LgsError("raw data is stale (source freshness error, see above): load new data, or raise"
                           " var raw_freshness_error_days; nothing was built")
        if not invoke(["build", *args]):
            raise LgsError("dbt build failed: see the errors above; analysts still see the previous marts")


@cli.command(context_settings=_PASSTHROUGH, short_help="Run any dbt command on the warehouse.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def dbt(args: tuple[str, ...]) -> None:
    """Run any dbt command against the warehouse, e.g. `lgs dbt test -s rfm_segments`."""
    if _help_asked(args):
        if args[0] not in ("-h", "--help"):
            from dbt.cli.main import dbtRunner

            _say(f"\ndbt {args[0]}'s own options:\n")
            dbtRunner().invoke([args[0], "--help"])
        return
    from lgs.dbt import run_dbt, target_of, with_target

    if not args:
        raise LgsError("usage: lgs dbt COMMAND [ARGS...], e.g. lgs dbt ls")
    args = with_target(args, target_of(args))
    if not run_dbt(args, _connection_for(target_of(args))):
        raise LgsError(f"dbt {args[0]} failed: see the errors above")


@cli.command(short_help="Load sample data if empty, build, write the docs.")
@click.option("--lines", default=100_000, show_default=True, type=click.IntRange(min=1),
              help="Sample lines to generate when the raw table is empty.")
@click.option("--seed", default=42, show_default=True, type=int)
def demo(lines: int, seed: int) -> None:
    """Everything in one go: database up, sample data loaded if empty, dbt build, docs."""
    from lgs.demo import run_demo

    run_demo(lines, seed, say=_say)


@cli.group()
def docs() -> None:
    """The dbt docs site: generate it, or serve it on localhost."""


@docs.command("generate")
def docs_generate() -> None:
    """Generate the docs site into target/."""
    from lgs.docs import generate_docs

    _say(f"docs generated: {generate_docs()}")


@docs.command("build", short_help="Write a static docs site to open from disk.")
@click.option("--out", default="site", show_default=True, type=click.Path(path_type=Path, file_okay=False),
              help="Folder to write the static site to.")
def docs_build(out: Path) -> None:
    """Generate the docs and write a static site folder to open from disk or publish."""
    from lgs.docs import build_static_site

    _say(f"static docs site written to {build_static_site(out)} (open index.html; no server needed)")


@docs.command("serve")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--no-generate", is_flag=True, help="Serve what was generated last.")
def docs_serve(port: int, no_generate: bool) -> None:
    """Serve the docs site on http://127.0.0.1:PORT (Ctrl-C stops)."""
    from lgs.docs import generate_docs, serve_docs

    site = None if no_generate else generate_docs()
    serve_docs(port, site, say=_say)


@cli.command(context_settings=_PASSTHROUGH, short_help="Check the SQL style with sqlfluff.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def lint(args: tuple[str, ...]) -> None:
    """sqlfluff over models, macros, tests and analyses (dbt templater); `lgs lint --fix` fixes."""
    if _help_asked(args):
        return
    from lgs.database import ensure_server
    from lgs.dbt import dbt_environment
    from lgs.settings import project_dir

    env = dict(os.environ)
    env.update(dbt_environment(ensure_server()))
    # Compiling reads the built warehouse (dim_dates counts its days): the published one.
    env.setdefault("LGS_TARGET", "prod")
    command = "fix" if "--fix" in args else "lint"
    rest = [a for a in args if a != "--fix"] or ["models", "macros", "tests", "analyses"]
    extra = ["-f"] if command == "fix" else []
    result = subprocess.run([sys.executable, "-m", "sqlfluff", command, *extra, *rest], cwd=project_dir(), env=env)
    sys.exit(result.returncode)


# -- analysts and marketing ----------------------------------------------------------------
@cli.command(context_settings=_PASSTHROUGH, short_help="Query the marts in psql as the analyst role.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def sql(args: tuple[str, ...]) -> None:
    """psql on the warehouse as the read-only analyst role (marts only); ARGS go to psql, e.g. -c QUERY.
    With --target duckdb or spark: `lgs sql --target X -c QUERY` prints the query's result
    (unqualified tables are the marts)."""
    from lgs.database import ensure_server, psql_executable
    from lgs.dbt import option_value, without_option
    from lgs.settings import analyst_role

    engine = option_value(args, "--target")
    if engine not in (None, "postgres"):
        _query_engine(engine, args)
        return
    args = tuple(without_option(args, "--target"))  # psql's own -t is --tuples-only
    if _help_asked(args):
        _say("\nOther ARGS are psql's options:\n")
        subprocess.run([psql_executable(), "--help"])
        return
    connection = ensure_server()
    env = dict(os.environ)
    env.update(connection.env())
    # Log in as the analyst role itself (not SET ROLE from the owner, which could be undone).
    env["PGUSER"] = analyst_role()
    env.pop("PGPASSWORD", None)
    if os.environ.get("LGS_ANALYST_PASSWORD"):
        env["PGPASSWORD"] = os.environ["LGS_ANALYST_PASSWORD"]
    env["PGOPTIONS"] = (env.get("PGOPTIONS", "") + " -c search_path=marts").strip()
    try:
        result = subprocess.run([psql_executable(), "--no-psqlrc", *args], env=env)
    except OSError as exc:
        raise LgsError(f"cannot run psql: {exc}") from None
    sys.exit(result.returncode)


def _query_engine(engine: str, args: tuple[str, ...]) -> None:
    """`lgs sql --target duckdb|spark -c QUERY`: the result printed as psql prints it."""
    from lgs.dbt import option_value
    from lgs.engines import open_engine, print_rows

    if engine not in ENGINES:
        raise LgsError(f"unknown target {engine!r}: use one of {', '.join(ENGINES)}")
    query = option_value(args, "-c", "--command")
    if not query:
        raise LgsError(f"usage: lgs sql --target {engine} -c QUERY (no interactive shell on {engine})")
    with open_engine(engine, read_only=True) as warehouse:
        warehouse.execute("use marts")
        print_rows(*warehouse.rows(query), _say)


@cli.command(short_help="Fit lifetime value and sales forecast models.")
@click.option("--validate", is_flag=True,
              help="Also fit on all but the last 180 days and check the predictions against them.")
def predict(validate: bool) -> None:
    """Fit BG/NBD + Gamma-Gamma lifetime value models and a daily sales forecast on the built
    warehouse and write them to the schema `predictions` (then `lgs build` joins them into
    the marts). --validate also scores a fit on all but the last 180 days against them."""
    from lgs.database import ensure_server
    from lgs.predictions.run import run_predictions

    run_predictions(ensure_server(), validate, _say)


@cli.command(short_help="Serve the marketing dashboard on localhost.")
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535))
def dashboard(port: int) -> None:
    """The marketing dashboard (Streamlit) on http://127.0.0.1:PORT, reading the published
    marts as the analyst role; nothing is requested from any other address (Ctrl-C stops)."""
    from lgs.dashboard import run_dashboard
    from lgs.database import ensure_server

    run_dashboard(ensure_server(), port, _say)


@cli.group()
def export() -> None:
    """Campaign lists for the marketing team."""


@export.command("segment", short_help="Write the customers of one or more segments.")
@click.argument("segments", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="csv or xlsx; by default the file's extension decides.")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="File to write.")
@click.option("--country", default=None, help="Only customers of this country (any case).")
@click.option("--min-spend", default=None, type=click.FloatRange(min=0), help="Only customers whose monetary value is at least this.")
def export_segment(segments: tuple[str, ...], fmt: str, out: Path, country: str | None, min_spend: float | None) -> None:
    """Customers of one or more RFM segments, e.g. `lgs export segment "Can't Lose" --out cl.csv`."""
    from lgs.database import ensure_server
    from lgs.exports import export_format, export_segments
    from lgs.settings import analyst_role

    fmt = export_format(out, fmt)  # a wrong name or format is refused before anything starts
    written = export_segments(ensure_server(), segments, fmt, out, analyst_role(), country=country, min_spend=min_spend)
    _say(f"wrote {written:,} customers of {', '.join(segments)} to {out}")


def main() -> None:
    """Entry point: user errors become one line on stderr and a non-zero exit."""
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    try:
        cli.main(standalone_mode=False, prog_name="lgs")
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except LgsError as exc:
        click.echo(f"lgs: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("lgs: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last resort: one line, not a traceback
        if os.environ.get("LGS_DEBUG"):
            raise
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        click.echo(f"lgs: internal error: {type(exc).__name__}: {first} (set LGS_DEBUG=1 for details)", err=True)
        sys.exit(3)
