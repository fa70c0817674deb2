"""Per-address login limits behind a reverse proxy: `X-Forwarded-For` is believed only from the addresses
in `VIGIL_TRUSTED_PROXIES`. Before, uvicorn believed it from 127.0.0.1 by default, so any local proxy that
passed the header through (or a client on this machine) chose its own address for every guess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from tests.conftest import make_settings
from tests.servers.live_server import free_port, live_server
from vigil.settings import Settings

LOGIN = "/api/v1/auth/jwt/login"


async def guesses_from(url: str, forwarded_for: list[str]) -> list[int]:
    """One failed login per `X-Forwarded-For` value, each for its own account (only per-IP limits apply)."""
    async with httpx.AsyncClient(base_url=url, timeout=20) as client:
        return [
            (
                await client.post(
                    LOGIN,
                    data={"username": f"nobody{i}@example.com", "password": "a wrong guess 1"},
                    headers={"X-Forwarded-For": address},
                )
            ).status_code
            for i, address in enumerate(forwarded_for)
        ]


SPOOFED = [f"203.0.113.{i}" for i in range(1, 6)]


async def test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit(tmp_path: Path) -> None:
    async with live_server(make_settings(tmp_path, login_max_attempts_per_ip=3)) as server:
        assert await guesses_from(server.url, SPOOFED) == [400, 400, 400, 429, 429]


async def test_behind_a_trusted_proxy_each_client_has_its_own_limit(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_max_attempts_per_ip=3, trusted_proxies="127.0.0.0/8, ::1")
    async with live_server(settings) as server:
        assert await guesses_from(server.url, SPOOFED) == [400] * 5  # five clients, one try each
        assert await guesses_from(server.url, ["198.51.100.7"] * 4) == [400, 400, 400, 429]
        # a client's own forged entry in front is ignored: the proxy appends the address it saw
        assert await guesses_from(server.url, ["10.9.9.9, 198.51.100.7"]) == [429]


async def test_a_proxy_outside_the_trusted_list_is_not_believed(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, login_max_attempts_per_ip=3, trusted_proxies="192.0.2.10")
    async with live_server(settings) as server:
        assert await guesses_from(server.url, SPOOFED) == [400, 400, 400, 429, 429]


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not an IP address or network"):
        make_settings(tmp_path, trusted_proxies="127.0.0.1, proxy.local")
    assert make_settings(tmp_path).trusted_proxy_networks == []
    assert Settings.model_fields["trusted_proxies"].default == ""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`vigil serve` itself, with no trusted proxies (the default)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIGIL_", "FORWARDED_ALLOW_IPS"))}
    env.update(
        VIGIL_DATA_DIR=str(tmp_path / "data"),
        VIGIL_SECRET_KEY="proxy-test-" + "k" * 40,
        VIGIL_PORT=str(port),
        VIGIL_LOGIN_MAX_ATTEMPTS_PER_IP="3",
        VIGIL_LOG_LEVEL="warning",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "vigil.cli", "serve"], env=env, stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, "vigil serve exited"
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("vigil serve did not answer /api/v1/health within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.slow
async def test_vigil_serve_does_not_believe_forwarded_headers_by_default(served: str) -> None:
    assert await guesses_from(served, SPOOFED) == [400, 400, 400, 429, 429]
