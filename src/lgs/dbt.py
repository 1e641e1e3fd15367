"""Running dbt with the right profile, in process, through dbt's Python API (dbtRunner)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from lgs.database import Connection
from lgs.engines import dbt_target, engine_env, engine_of, open_engine
from lgs.errors import LgsError
from lgs.settings import lgs_home, project_dir, target_dir


def profiles_dir() -> Path:
    """LGS_HOME/profiles/profiles.yml: a copy of the repository's env-driven example."""
    target = lgs_home() / "profiles"
    target.mkdir(parents=True, exist_ok=True)
    example = project_dir() / "profiles.yml.example"
    profile = target / "profiles.yml"
    if not profile.exists() or profile.read_bytes() != example.read_bytes():
        shutil.copyfile(example, profile)
    return target


def dbt_environment(connection: Connection | None) -> dict[str, str]:
    """What dbt needs in its environment: where the database (PostgreSQL's, or DuckDB's file
    and Spark's warehouse) and the profile are."""
    env = dict(connection.env()) if connection is not None else {}
    env.update(engine_env())
    env["DBT_PROFILES_DIR"] = str(profiles_dir())
    env["DBT_PROJECT_DIR"] = str(project_dir())
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DBT_TARGET_PATH"] = str(target_dir())
    return env


# dbt commands that only read the models. On the targets that publish (prod, duckdb) they look
# at the published marts themselves; `build`, `run` and `seed` write through the build schema
# and publish.
READING_COMMANDS = {"test", "docs", "compile", "show", "ls", "list"}


def option_value(args: Sequence[str], *names: str) -> str | None:
    """The value of the last `--name VALUE` or `--name=VALUE` among `args`, else None."""
    found = None
    for position, arg in enumerate(args):
        if arg in names and position + 1 < len(args):
            found = args[position + 1]
        elif arg.startswith(tuple(f"{name}=" for name in names)):
            found = arg.split("=", 1)[1]
    return found


def target_of(args: Sequence[str]) -> str:
    """The dbt target a command line runs on: --target, else LGS_TARGET, else the profile's dev."""
    return option_value(args, "--target", "-t") or os.environ.get("LGS_TARGET") or "dev"


def with_target(args: Sequence[str], target: str) -> list[str]:
    """`args` on `target` unless they name a target themselves; an engine's name stands for
    its warehouse target (`--target postgres` is prod)."""
    given = option_value(args, "--target", "-t")
    if given is None:
        return [*args, "--target", target]
    return [*without_option(args, "--target", "-t"), "--target", dbt_target(given)]


def without_option(args: Sequence[str], *names: str) -> list[str]:
    """`args` without any `--name VALUE` or `--name=VALUE` of these names."""
    rest, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in names:
            skip = True
        elif not arg.startswith(tuple(f"{name}=" for name in names)):
            rest.append(arg)
    return rest


def with_vars(args: Sequence[str], **defaults: object) -> list[str]:
    """`args` with `defaults` merged under the vars they pass (theirs win)."""
    import yaml

    given = option_value(args, "--vars")
    try:
        theirs = yaml.safe_load(given) if given else {}
    except yaml.YAMLError as exc:
        raise LgsError(f"--vars is not YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(theirs, dict | None):
        raise LgsError(f"--vars must be a YAML mapping such as '{{rfm_as_of: \"2011-12-10\"}}', got {given!r}")
    merged = {**defaults, **(theirs or {})}
    return [*without_option(args, "--vars"), "--vars", json.dumps(merged, default=str)]


def for_target(args: Sequence[str]) -> list[str]:
    """On target prod, a command that only reads (test, docs, compile, show, ls) resolves the
    marts to the published `marts` schema, not the build schema."""
    args = list(args)
    if target_of(args) in ("prod", "duckdb") and args and args[0] in READING_COMMANDS:
        return with_vars(args, publish_marts=False)
    return args


RESOURCE_TYPE_OPTIONS = ("--resource-type", "--resource-types", "--exclude-resource-type", "--exclude-resource-types")


def production_build(args: Sequence[str]) -> list[str]:
    """A `dbt build` command line as a production run: without the unit tests, which test the
    SQL on fixed inputs and so say nothing new about the day's data (dbt's advice), unless
    `--unit-tests` asks for them or the line chooses resource types itself."""
    if "--unit-tests" in args:
        return [arg for arg in args if arg != "--unit-tests"]
    if option_value(args, *RESOURCE_TYPE_OPTIONS) is not None:
        return list(args)
    return [*args, "--exclude-resource-type", "unit_test"]


def shared_options(args: Sequence[str]) -> list[str]:
    """The options of a `dbt build` command line that other dbt commands must share (--vars,
    --target), so a gate checks the same thresholds the build uses."""
    shared = []
    for names in (("--vars",), ("--target", "-t")):
        value = option_value(args, *names)
        if value is not None:
            shared += [names[0], value]
    return shared


def run_dbt(args: Sequence[str], connection: Connection | None, parse_once: bool = False) -> bool:
    """Invoke dbt with `args`; True on success. The environment is set for the call only.
    `connection` is PostgreSQL's, None for a command on the duckdb or spark target.
    `parse_once`: parse first into the state of `parse_state_dir`, as `lgs build` does."""
    with dbt_session(args, connection, parse_once) as invoke:
        return invoke(args)


@contextmanager
def dbt_session(args: Sequence[str], connection: Connection | None,
                parse_once: bool = False) -> Iterator[Callable[[Sequence[str]], bool]]:
    """dbt ready for commands on the target of `args`: yields invoke(command) -> success.
    The source tables are made first (they must exist before dbt compiles anything that
    selects from them) and the environment is set for the session only. With `parse_once`,
    the project is parsed once, with the --vars and --target of `args`, and every command of
    the session reuses that manifest (each would otherwise parse it again); the commands must
    then share those options (`shared_options`)."""
    engine = engine_of(target_of(args))
    if engine == "postgres":
        from lgs.loading.store import ensure_raw_schema
        from lgs.predictions import ensure_predictions_schema

        if connection is None:
            raise LgsError("a dbt command on PostgreSQL needs its connection")
        with connection.connect() as conn:
            ensure_raw_schema(conn)
            ensure_predictions_schema(conn)
    else:
        with open_engine(engine):
            pass
    saved = dict(os.environ)
    os.environ.update(dbt_environment(connection))
    try:
        from dbt.cli.main import dbtRunner

        runner = dbtRunner()
        if parse_once:
            state = parse_state_dir(args)
            parse = ["parse", "--target-path", str(state), "--no-write-json", *shared_options(args)]
            try:
                parsed = _checked(runner.invoke(parse), ["parse"])
                if not parsed.success:
                    raise LgsError("dbt could not parse the project: see the errors above; nothing was run")
            except LgsError:
                # A parse that wrote nothing (an unknown target, bad --vars) leaves no folder
                # behind; one that another lgs process is filling or just removed is its own.
                with suppress(OSError):
                    state.rmdir()  # only ever removes an empty folder
                raise
            runner = dbtRunner(manifest=parsed.result)
        yield lambda command: bool(_checked(runner.invoke(for_target(command)), command).success)
    finally:
        os.environ.clear()
        os.environ.update(saved)


# Parse states kept for builds: one per target and --vars seen lately.
PARSE_STATES_KEPT = 8


def parse_state_dir(args: Sequence[str]) -> Path:
    """Where a session that parses once keeps dbt's partial-parse state for the target and
    --vars of `args`: target/parse/TARGET-HASH.

    dbt keeps one state per target folder, made for one target and one set of --vars; any
    other target or vars parses the whole project again (6 s here, against 0.5 s for a
    partial parse). Builds on prod alternate with the reading commands (`lgs dbt test`, the
    docs), which see the published marts through other vars, and with builds on other
    targets or with other vars: each keeping its own state, none of them undoes another's.
    dbt still checks every state it reads (files, vars, target, profile) and parses again
    what changed. The least recently used states beyond PARSE_STATES_KEPT are removed."""
    # Keyed by exactly the options the parse is given.
    key = hashlib.sha256("\n".join(shared_options(args)).encode()).hexdigest()[:12]
    states = target_dir() / "parse"
    state = states / f"{target_of(args)}-{key}"
    state.mkdir(parents=True, exist_ok=True)
    now = time.time_ns()  # explicit: a file system's own clock may tick only every few ms
    os.utime(state, ns=(now, now))
    others = sorted((other for other in states.iterdir() if other.is_dir() and other != state),
                    key=_last_used, reverse=True)
    for stale in others[PARSE_STATES_KEPT - 1:]:
        shutil.rmtree(stale, ignore_errors=True)
    return state


def _last_used(state: Path) -> int:
    try:
        return state.stat().st_mtime_ns
    except FileNotFoundError:  # another lgs process removed it just now
        return 0


def _checked(result, args: Sequence[str]):
    """dbt's result of `args`, or a one-line LgsError when dbt raised."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # dbt's exceptions read "Runtime Error" then the reason on the next line: keep both,
        # and the list a reason may end with ("The valid target names ... are:", "- dev", ...).
        lines = [line.strip() for line in str(result.exception).strip().splitlines() if line.strip()]
        ends_in_list = len(lines) > 1 and lines[1].endswith(":")
        listed = [line[2:] for line in lines[2:] if line.startswith("- ")] if ends_in_list else []
        reason = ": ".join(lines[:2]) + (f" {', '.join(listed)}" if listed else "")
        raise LgsError(f"dbt {' '.join(args[:1])} failed: {reason}")
    return result
