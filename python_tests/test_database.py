"""`lgs db`: the embedded server, concurrency, and an external server through PG*."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from conftest import ROOT, _env


def test_url_is_a_libpq_uri_psycopg_accepts(lgs):
    url = lgs("db", "url").stdout.strip()
    assert url.startswith("postgresql://")
    with psycopg.connect(url) as conn:
        assert conn.execute("select current_database()").fetchone()[0] == "lgs"
        assert int(conn.execute("show server_version_num").fetchone()[0]) >= 160000


def test_status_reports_the_running_embedded_server(lgs):
    out = lgs("db", "status").stdout
    assert "embedded server running" in out


def test_two_processes_starting_a_fresh_server_share_one(tmp_path):
    home = Path(tempfile.mkdtemp(prefix="lgs-race-", dir="/tmp"))
    env = _env(home)
    try:
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
    finally:
        subprocess.run([sys.executable, "-m", "lgs", "db", "stop"], cwd=ROOT, env=env, capture_output=True, timeout=120)
        subprocess.run(["rm", "-rf", str(home)])


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
