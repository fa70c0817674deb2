"""`vigil serve` as a real child process, for the tests that kill things: its log goes to a file (a pipe
that nobody reads would fill and stall it), and its children can be listed from /proc."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import PASSWORD
from tests.servers.live_server import free_port


def vigil_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env.update(VIGIL_DATA_DIR=str(data_dir), VIGIL_SECRET_KEY="process-test-" + "k" * 40, **extra)
    return env


@dataclass
class VigilProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    wrapped: bool = False  # started behind a command such as strace

    @property
    def pid(self) -> int:
        """The server's own pid (the wrapper's child when there is a wrapper)."""
        if not self.wrapped:
            return self.process.pid
        found = [pid for pid in children(self.process.pid) if "vigil.cli" in cmdline(pid)]
        assert found, f"no vigil serve under {cmdline(self.process.pid)}"
        return found[0]

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def pool_workers(self) -> list[int]:
        """The server's model workers (its spawned children, not multiprocessing's resource tracker)."""
        return [pid for pid in children(self.pid) if "spawn_main" in cmdline(pid)]

    def stop(self) -> None:
        """SIGTERM to the server itself (a wrapper such as strace would only let go of it), then wait."""
        if self.process.poll() is not None:
            return
        server = self.pid
        os.kill(server, signal.SIGTERM)
        deadline = time.monotonic() + 20
        while alive(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        if alive(server):
            os.kill(server, signal.SIGKILL)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_vigil(
    data_dir: Path, log: Path, env: dict[str, str] | None = None, command: Sequence[str] = ()
) -> VigilProcess:
    """Start `vigil serve` (optionally behind `command`, such as strace) and wait for /health."""
    port = free_port()
    handle = log.open("ab")
    process = subprocess.Popen(
        [*command, sys.executable, "-m", "vigil.cli", "serve"],
        env=vigil_env(data_dir, PORT=str(port), **(env or {})),
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    server = VigilProcess(process, f"http://127.0.0.1:{port}", log, wrapped=bool(command))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"vigil serve exited with {process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/api/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.stop()
    raise AssertionError(f"vigil serve did not answer /api/v1/health within 60 s:\n{server.output()}")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def kill_leftovers(pids: Sequence[int]) -> None:
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def admin_headers(url: str, email: str = "first@example.com") -> dict[str, str]:
    """The first account (the admin), registered if need be, and its bearer header."""
    with httpx.Client(base_url=url, timeout=20) as client:
        client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        login = client.post("/api/v1/auth/jwt/login", data={"username": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['access_token']}"}


def metric(text: str, name: str, labels: str = "") -> float:
    """One sample of a Prometheus text page (0 when absent)."""
    pattern = re.escape(name) + (re.escape("{" + labels + "}") if labels else r"(?:\{\})?") + r" ([0-9.e+-]+)"
    found = re.search(r"^" + pattern + r"$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0
