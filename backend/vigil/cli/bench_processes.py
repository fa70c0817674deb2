"""Servers the benches start as child processes, every one on 127.0.0.1: `redis-server` and `vigil serve`."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def _wait_listening(port: int, process: subprocess.Popen[bytes], what: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {LOOPBACK}:{port} within {timeout_s} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A throwaway `redis-server` on loopback, nothing saved; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not found (Debian's redis-server package)")
    port = free_port()
    args = [binary, "--port", str(port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no"]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603 (PATH's redis-server)
    try:
        _wait_listening(port, process, "redis-server", 20)
        yield f"redis://{LOOPBACK}:{port}/0"
    finally:
        _stop(process)


@contextlib.contextmanager
def api_node(data_dir: Path, env: dict[str, str]) -> Iterator[str]:
    """`vigil serve` in a child process (its log in `data_dir`), once it answers /health; yields its URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    environment.update(env, VIGIL_DATA_DIR=str(data_dir), PORT=str(port))
    url = f"http://{LOOPBACK}:{port}"
    with (data_dir / "serve.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "vigil.cli", "serve"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"vigil serve exited with {process.returncode}: see {data_dir / 'serve.log'}"
                )
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"vigil serve did not answer within 90 s: see {data_dir / 'serve.log'}")
            time.sleep(0.3)
        yield url
    finally:
        _stop(process)


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    """(median, p95) of a list of milliseconds."""
    ordered = sorted(samples_ms)
    return statistics.median(ordered), ordered[max(0, round(len(ordered) * 0.95) - 1)]


async def sign_in_first_admin(client: httpx.AsyncClient) -> str:
    """Registers a fresh server's first account (its admin) with a one-off password, signs `client` in as
    it and returns the token."""
    email, password = "bench@example.com", secrets.token_urlsafe(18)
    made = await client.post("/api/v1/auth/register", json={"email": email, "password": password})
    made.raise_for_status()
    login = await client.post("/api/v1/auth/jwt/login", data={"username": email, "password": password})
    login.raise_for_status()
    token: str = login.json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return token
