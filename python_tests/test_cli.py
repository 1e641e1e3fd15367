"""The CLI follows the conventions users expect: help that is lgs's own and touches no
database, whole-sentence summaries, and `lgs db status` exit codes as `pg_ctl status`'s."""

from __future__ import annotations

import re

import pytest
from conftest import Lgs, _env, throwaway_home


@pytest.fixture
def fresh():
    """lgs on an LGS_HOME with no server in it."""
    with throwaway_home("lgs-cli-") as home:
        yield Lgs(_env(home)), home


def test_summaries_are_whole_sentences(lgs):
    for group in ([], ["db"], ["docs"], ["export"]):
        out = lgs(*group, "--help").stdout
        commands = out.split("Commands:", 1)[1].strip().splitlines()
        assert commands
        for line in commands:
            summary = re.split(r"\s{2,}", line.strip(), maxsplit=1)[1]
            assert summary.endswith(".") and not summary.endswith("..."), line


@pytest.mark.parametrize(("args", "then"), [
    (["build", "--help"], "lgs dbt build --help"),
    (["dbt", "build", "--help"], "dbt build's own options"),
    (["sql", "--help"], "psql's options"),
    (["lint", "--help"], "sqlfluff"),
])
def test_help_is_lgs_own_and_touches_no_database(fresh, args, then):
    runner, home = fresh
    # A server that cannot be reached: help must not try it.
    result = runner(*args, env=dict(runner.env, PGHOST="127.0.0.1", PGPORT="1"))
    assert result.stdout.startswith(f"Usage: lgs {args[0]}"), result.stdout[:200]
    assert then in result.stdout
    assert not (home / "pgdata").exists()


def test_db_status_exit_codes_follow_pg_ctl(fresh):
    runner, _ = fresh
    assert runner("db", "status", check=False).returncode == 4  # no data folder yet
    runner("db", "start")
    assert runner("db", "status").returncode == 0
    runner("db", "stop")
    stopped = runner("db", "status", check=False)
    assert stopped.returncode == 3 and "stopped" in stopped.stdout


def test_heavy_libraries_stay_out_of_the_cli_start_up():
    import subprocess
    import sys

    code = ("import sys, lgs.cli, lgs.dbt, lgs.exports, lgs.predictions, lgs.dashboard;"
            " heavy = sorted({m.split('.')[0] for m in sys.modules} & {'pymc', 'pymc_marketing', 'pytensor',"
            " 'statsmodels', 'streamlit', 'altair', 'pandas', 'dbt'}); print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_parse_states_are_kept_per_target_and_vars_and_the_oldest_removed(tmp_path, monkeypatch):
    from lgs import dbt

    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    first = dbt.parse_state_dir(["build", "--target", "prod"])
    assert first == dbt.parse_state_dir(["build", "--target", "prod", "--select", "fct_sales"])
    assert first.parent == tmp_path / "parse" and first.name.startswith("prod-")
    assert dbt.parse_state_dir(["build", "--target", "duckdb"]) != first
    assert dbt.parse_state_dir(["build", "--target", "prod", "--vars", "{a: 1}"]) != first
    for n in range(dbt.PARSE_STATES_KEPT + 3):
        dbt.parse_state_dir(["build", "--target", "prod", "--vars", f"{{n: {n}}}"])
    dbt.parse_state_dir(["build", "--target", "prod", "--vars", "{n: 0}"])
    kept = sorted(path.name for path in (tmp_path / "parse").iterdir())
    assert len(kept) == dbt.PARSE_STATES_KEPT
    assert first.name not in kept  # the least recently used went first
    assert dbt.parse_state_dir(["build", "--target", "prod", "--vars", "{n: 0}"]).name in kept
