"""A real PostgreSQL for tests: `initdb` into a temporary folder, `postgres` on 127.0.0.1 at a free port.

Debian's `postgresql` package provides the binaries (`scripts/ci/install-system-deps.sh` installs it); they
live in /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run as root, so under root the server runs
as the `postgres` system user the package creates (through `setpriv`), in a folder it owns.

    with PostgresServer() as server:
        url = server.create_database("test_cameras", template=server.template)  # postgresql+asyncpg://...
        server.sql("SELECT 1")                                                  # psql as the superuser

The superuser `vigil` logs in over TCP with a password (scram-sha-256) that needs URL escaping, as a real
deployment's may. Durability is off (fsync, synchronous commit): a test server's data never outlives it.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from sqlalchemy.engine import URL, make_url

INSTALL_HINT = "run scripts/ci/install-system-deps.sh (Debian's postgresql package)"
USER = "vigil"
PASSWORD = "pg pa55:w@rd/%?"  # every character a URL must escape: the app's URL handling is tested too
SYSTEM_USER = "postgres"


class PostgresError(RuntimeError):
    """The server could not be started, or a statement failed."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def binaries() -> Path:
    """The folder of `initdb`, `postgres` and `psql`: the newest /usr/lib/postgresql/*/bin, else PATH."""
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for folder in reversed(debian):
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    initdb = shutil.which("initdb")
    if initdb and shutil.which("postgres"):
        return Path(initdb).resolve().parent
    raise PostgresError(f"PostgreSQL is not installed (no initdb/postgres found): {INSTALL_HINT}")


def database_name(text: str) -> str:
    """A lower-case identifier of at most 63 characters from any test name."""
    name = re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_")
    return ("t_" + name)[:63]


class PostgresServer:
    """One PostgreSQL server (a cluster, in its words) for the test session; a database per test."""

    def __init__(self) -> None:
        self.bin = binaries()
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="vigil-postgres-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.template = ""
        self._as_user: list[str] = []
        self._created = 0

    # ---- lifecycle ----

    def start(self, timeout_s: float = 30.0) -> None:
        if os.geteuid() == 0:
            self._run_as_system_user()
        password_file = self.folder / "password"
        password_file.write_text(PASSWORD + "\n")
        self._chown(password_file)
        data = self.folder / "data"
        self._check(
            [
                *self._as_user,
                str(self.bin / "initdb"),
                "--pgdata",
                str(data),
                "--username",
                USER,
                "--pwfile",
                str(password_file),
                "--auth-host",
                "scram-sha-256",
                "--auth-local",
                "peer",
                "--encoding",
                "UTF8",
                "--locale",
                "C.UTF-8",
                "--no-sync",
            ],
            "initdb",
        )
        password_file.unlink()
        log = (self.folder / "postgres.log").open("wb")
        self.process = subprocess.Popen(
            [
                *self._as_user,
                str(self.bin / "postgres"),
                "-D",
                str(data),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"port={self.port}",
                "-c",
                "unix_socket_directories=",  # TCP on loopback only
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
                "-c",
                "timezone=UTC",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self._wait_until_accepting(timeout_s)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, close connections), then remove the folder."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # ---- databases ----

    def url(self, database: str = "postgres") -> str:
        """The app's `DATABASE_URL` of `database` (asyncpg, the password escaped)."""
        url = URL.create(
            "postgresql+asyncpg", USER, PASSWORD, "127.0.0.1", self.port, database
        ).render_as_string(hide_password=False)
        return str(url)

    def create_database(self, name: str, template: str = "") -> str:
        """A new empty database (or a copy of `template`) with a unique name made from `name`; its URL."""
        self._created += 1
        unique = database_name(f"{self._created}_{name}")
        template_clause = f' TEMPLATE "{template}"' if template else ""
        self.sql(f'CREATE DATABASE "{unique}"{template_clause}')
        return self.url(unique)

    def drop_database(self, url: str) -> None:
        """Drop the database of `url`, ending any connection still open to it."""
        name = make_url(url).database
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run `statement` with psql as the superuser; its unaligned output."""
        return self._check(
            [
                str(self.bin / "psql"),
                "--no-psqlrc",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--username",
                USER,
                "--dbname",
                database,
                "--set",
                "ON_ERROR_STOP=1",
                "--tuples-only",
                "--no-align",
                "--command",
                statement,
            ],
            "psql",
            env={**os.environ, "PGPASSWORD": PASSWORD, "PGCONNECT_TIMEOUT": "5"},
        )

    def log(self) -> str:
        path = self.folder / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # ---- internals ----

    def _run_as_system_user(self) -> None:
        try:
            account = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresError(
                f"running as root, and PostgreSQL refuses root: no '{SYSTEM_USER}' user to run it as "
                f"({INSTALL_HINT}, which creates it)"
            ) from None
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise PostgresError(
                "running as root: setpriv (util-linux) is needed to run PostgreSQL as postgres"
            )
        self._uid, self._gid = account.pw_uid, account.pw_gid
        self._as_user = [setpriv, f"--reuid={self._uid}", f"--regid={self._gid}", "--init-groups"]
        self.folder.chmod(0o700)
        os.chown(self.folder, self._uid, self._gid)

    def _chown(self, path: Path) -> None:
        if self._as_user:
            os.chown(path, self._uid, self._gid)

    def _check(self, args: list[str], what: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(args, capture_output=True, env=env, timeout=60, check=False)
        if done.returncode != 0:
            message = (done.stderr or done.stdout).decode(errors="replace").strip()
            raise PostgresError(f"{what} failed ({done.returncode}): {message}")
        return done.stdout.decode().strip()

    def _wait_until_accepting(self, timeout_s: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        while True:
            if self.process.poll() is not None:
                raise PostgresError(f"postgres exited with {self.process.returncode}:\n{self.log()[-2000:]}")
            try:
                self.sql("SELECT 1")
                return
            except PostgresError:
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"postgres did not accept connections within {timeout_s} s:\n{self.log()[-2000:]}"
                    ) from None
                time.sleep(0.1)
