"""`lgs db`: the embedded server, concurrency, and an external server through PG*."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from conftest import ROOT, _env, throwaway_home


def test_url_is_a_libpq_uri_psycopg_accepts(lgs):
    url = lgs("db", "url").stdout.strip()
    assert url.startswith("postgresql://")
    with psycopg.connect(url) as conn:
        assert conn.execute("select current_database()").fetchone()[0] == "lgs"
        assert int(conn.execute("show server_version_num").fetchone()[0]) >= 160000


def test_status_reports_the_running_embedded_server(lgs):
    out = lgs("db", "status").stdout
    assert "embedded server running" in out


def test_two_processes_starting_a_fresh_server_share_one():
    with throwaway_home("lgs-race-") as home:
        env = _env(home)

        def start(_):
            return subprocess.run([sys.executable, "-m", "lgs", "db", "start"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)

        with ThreadPoolExecutor(3) as pool:
            results = list(pool.map(start, range(3)))
        assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
        postmasters = subprocess.run(["pgrep", "-f", f"postgres.*-D {home}/pgdata"], capture_output=True, text=True)
        pids = set(postmasters.stdout.split())
        url = results[0].stdout.strip().split(": ", 1)[1]
        with psycopg.connect(url) as conn:
            backend_parent = conn.execute("select pg_postmaster_start_time()").fetchone()[0]
        assert backend_parent is not None
        # One postmaster: every child process of a second one would show up here too.
        assert len([p for p in pids if _is_postmaster(p)]) == 1


ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="lgs makes the server's system user only when it runs as root")


@ROOT_ONLY
def test_servers_started_at_once_on_a_new_machine_make_their_system_user_once(tmp_path):
    # As on a new machine, where the suite's workers start their servers at once and the user
    # the servers run as does not exist yet. Two useradds of one name at once both succeed,
    # each rewriting /etc/passwd, and a server went on with a uid the other's rewrite took away
    # ("initdb: could not look up effective user ID"). The machine's own useradd, behind one
    # that notes each call and waits a second first, so that every start finds no user.
    import pwd

    name = f"lgsrace{os.getpid()}"
    calls, tools = tmp_path / "useradd-calls", tmp_path / "bin"
    tools.mkdir()
    (tools / "useradd").write_text(f'#!/bin/sh\necho "$*" >> {calls}\nsleep 1\nexec {shutil.which("useradd")} "$@"\n')
    (tools / "useradd").chmod(0o755)
    homes = [Path(tempfile.mkdtemp(prefix="lgs-user-", dir="/tmp")) for _ in range(3)]
    envs = [{**_env(home), "LGS_SERVER_USER": name, "PATH": f"{tools}:{os.environ['PATH']}"} for home in homes]

    def lgs_db(env, action):
        return subprocess.run([sys.executable, "-m", "lgs", "db", action], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)

    try:
        with ThreadPoolExecutor(len(envs)) as pool:
            results = list(pool.map(lgs_db, envs, ["start"] * len(envs)))
        assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
        assert calls.read_text().splitlines() == [f"--system --no-create-home {name}"]
        uid = pwd.getpwnam(name).pw_uid
        assert [(home / "pgdata").stat().st_uid for home in homes] == [uid] * len(homes)
        for result in results:
            with psycopg.connect(result.stdout.strip().split(": ", 1)[1]) as conn:
                assert conn.execute("select 1").fetchone() == (1,)
    finally:
        for env in envs:
            lgs_db(env, "stop")
        for home in homes:
            subprocess.run(["rm", "-rf", str(home)])
        subprocess.run(["userdel", name], capture_output=True)


@ROOT_ONLY
@pytest.mark.parametrize("user, path, reason", [
    ("lgsnouser", "/nonexistent", "useradd: No such file or directory"),  # no useradd on the machine
    ("Not A User!", None, "useradd: invalid user name"),  # useradd refuses the name
], ids=["no useradd", "a name useradd refuses"])
def test_a_server_user_that_cannot_be_made_is_one_line(tmp_path, user, path, reason):
    user = f"{user}{os.getpid()}" if path else user  # a user no other test makes (test ids stay fixed for xdist)
    env = {**_env(tmp_path / "home"), "LGS_SERVER_USER": user, "PATH": path or os.environ["PATH"]}
    result = subprocess.run([sys.executable, "-m", "lgs", "db", "start"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert f"cannot make the system user {user} to run PostgreSQL as" in result.stderr
    assert reason in result.stderr
    assert not (tmp_path / "home" / "pgdata" / "PG_VERSION").exists()


def _is_postmaster(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            parent = next(line for line in status if line.startswith("PPid:")).split()[1]
        with open(f"/proc/{parent}/comm") as comm:
            return comm.read().strip() != "postgres"
    except (OSError, StopIteration):
        return False


def test_pghost_means_that_server_and_nothing_started(lgs, tmp_path):
    embedded = psycopg.conninfo.conninfo_to_dict(lgs.url)
    other_home = tmp_path / "unused-home"
    env = _env(other_home)
    env.update(PGHOST=embedded["host"], PGPORT=str(embedded.get("port", 5432)), PGUSER="postgres", PGDATABASE="lgs")
    status = subprocess.run([sys.executable, "-m", "lgs", "db", "status"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert status.returncode == 0 and "external server (PGHOST) up" in status.stdout
    assert not (other_home / "pgdata").exists()
    stop = subprocess.run([sys.executable, "-m", "lgs", "db", "stop"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert stop.returncode == 1 and "not ours to stop" in stop.stderr


def test_unreachable_external_server_is_one_line(tmp_path):
    env = _env(tmp_path / "home")
    env.update(PGHOST="/nonexistent-socket-dir", PGUSER="nobody", PGDATABASE="nothing")
    result = subprocess.run([sys.executable, "-m", "lgs", "build"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "cannot connect to PGHOST=/nonexistent-socket-dir" in result.stderr
    # And it says what to do: the embedded server is one unset away.
    assert "unset PGHOST to use lgs's embedded server" in result.stderr
