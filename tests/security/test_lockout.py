"""A stranger cannot lock an account: failures count per (account, address), an account's ceiling lets its
owner's known device through, registration is limited per address, and sharing is no bulk email oracle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import PASSWORD, bearer, make_settings
from vigil.api.app import create_app

LOGIN = "/api/v1/auth/jwt/login"
REGISTER = "/api/v1/auth/register"
OWNER = "owner@example.com"
WRONG = "a wrong guess 1"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = make_settings(
        tmp_path,
        login_max_failures_per_account_ip=3,
        login_max_failures_per_account=6,
        login_max_attempts_per_ip=100,
        register_max_per_ip=100,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with from_address(app, "198.51.100.1") as client:
            assert (
                await client.post(REGISTER, json={"email": OWNER, "password": PASSWORD})
            ).status_code == 201
            assert (
                await client.post(REGISTER, json={"email": "other@example.com", "password": PASSWORD})
            ).status_code == 201
        yield app


def from_address(app: FastAPI, ip: str) -> httpx.AsyncClient:
    """A client whose requests come from `ip` (its own cookie jar: one browser)."""
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://vigil.test")


async def guess(client: httpx.AsyncClient, email: str = OWNER, password: str = WRONG) -> int:
    return (await client.post(LOGIN, data={"username": email, "password": password})).status_code


async def test_a_strangers_failures_do_not_lock_the_owner_out(app: FastAPI) -> None:
    async with from_address(app, "203.0.113.66") as stranger, from_address(app, "198.51.100.7") as owner:
        assert [await guess(stranger) for _ in range(5)] == [400, 400, 400, 429, 429]
        assert await guess(stranger, password=PASSWORD) == 429  # this address, this account: blocked
        assert await guess(stranger, "other@example.com") == 400  # other accounts: still its 3 tries
        assert await guess(owner, password=PASSWORD) == 200


async def test_beyond_the_accounts_ceiling_only_a_known_device_logs_in(app: FastAPI) -> None:
    async with from_address(app, "198.51.100.7") as laptop:
        assert await guess(laptop, password=PASSWORD) == 200  # a known device from now on
        assert "vigil_device" in laptop.cookies
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):  # 3 addresses x 2 = the ceiling of 6
        async with from_address(app, address) as botnet:
            assert [await guess(botnet) for _ in range(2)] == [400, 400]
    async with from_address(app, "203.0.113.4") as botnet:
        assert await guess(botnet) == 429
        assert await guess(botnet, password=PASSWORD) == 429  # the right password from an unknown device
    async with from_address(app, "198.51.100.8") as new_phone:
        assert await guess(new_phone, password=PASSWORD) == 429
    async with from_address(app, "198.51.100.9") as laptop_elsewhere:
        laptop_elsewhere.cookies = laptop.cookies
        assert await guess(laptop_elsewhere, password="still wrong 2") == 429  # no oracle for a wrong one
        assert await guess(laptop_elsewhere, password=PASSWORD) == 200


async def test_another_accounts_device_cookie_does_not_pass_the_ceiling(app: FastAPI) -> None:
    async with from_address(app, "203.0.113.9") as attacker:
        assert await guess(attacker, "other@example.com", PASSWORD) == 200  # the attacker's own account
        for address in ("203.0.113.10", "203.0.113.11", "203.0.113.12"):
            async with from_address(app, address) as botnet:
                await guess(botnet)
                await guess(botnet)
        assert await guess(attacker, password=PASSWORD) == 429


async def test_a_forged_device_cookie_does_not_pass_the_ceiling(app: FastAPI) -> None:
    for address in ("203.0.113.20", "203.0.113.21", "203.0.113.22"):
        async with from_address(app, address) as botnet:
            await guess(botnet)
            await guess(botnet)
    async with from_address(app, "203.0.113.23") as forger:
        forger.cookies.set("vigil_device", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", domain="vigil.test")
        assert await guess(forger, password=PASSWORD) == 429


async def test_registration_is_limited_per_address(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, register_max_per_ip=3))
    async with (
        app.router.lifespan_context(app),
        from_address(app, "203.0.113.30") as spammer,
        from_address(app, "203.0.113.31") as other,
    ):
        statuses = [
            (
                await spammer.post(REGISTER, json={"email": f"s{i}@example.com", "password": PASSWORD})
            ).status_code
            for i in range(4)
        ]
        assert statuses == [201, 201, 201, 429]
        refused = await spammer.post(REGISTER, json={"email": "s9@example.com", "password": PASSWORD})
        assert refused.json()["detail"] == "REGISTER_RATE_LIMITED"
        assert int(refused.headers["Retry-After"]) > 0
        assert (
            await other.post(REGISTER, json={"email": "o@example.com", "password": PASSWORD})
        ).status_code == 201


async def test_sharing_a_camera_does_not_make_unknown_emails_cheap_to_probe(app: FastAPI) -> None:
    """Sharing answers 404 for an email without an account (the share list shows who has one anyway), but a
    sharer's misses are limited, so the route is no bulk oracle of which emails exist."""
    async with from_address(app, "198.51.100.1") as client:
        token = (await client.post(LOGIN, data={"username": OWNER, "password": PASSWORD})).json()[
            "access_token"
        ]
        camera = await client.post(
            "/api/v1/cameras",
            json={"name": "Door", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/door", "enabled": False},
            headers=bearer(token),
        )
        assert camera.status_code == 201, camera.text
        shares = f"/api/v1/cameras/{camera.json()['id']}/shares"
        limit = app.state.runtime.login_limits.share_misses.max_events
        statuses = [
            (
                await client.post(shares, json={"email": f"nobody{i}@example.com"}, headers=bearer(token))
            ).status_code
            for i in range(limit + 1)
        ]
        assert statuses == [404] * limit + [429]
