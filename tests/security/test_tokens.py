"""Tokens can be ended before they expire: logout (this token), logout everywhere, a new password,
deactivation and a role change, over REST and on open sockets, and across a restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from tests.conftest import PASSWORD, World, bearer, login, make_settings, register_and_login
from tests.servers.live_server import LiveServer, live_server
from vigil.api.app import create_app

ME = "/api/v1/users/me"
LOGOUT = "/api/v1/auth/jwt/logout"
LOGOUT_ALL = "/api/v1/auth/logout-all"
NEW_PASSWORD = "a brand new passphrase"


async def test_logout_ends_this_token_only(world: World) -> None:
    owner = world["owner"]
    client = world.client
    this_device = await login(client, owner.email)
    other_device = await login(client, owner.email)
    assert (await client.post(LOGOUT, headers=bearer(this_device))).status_code == 204
    assert (await client.get(ME, headers=bearer(this_device))).status_code == 401
    assert (await client.post(LOGOUT, headers=bearer(this_device))).status_code == 401
    assert (await client.get(ME, headers=bearer(other_device))).status_code == 200
    assert (await client.get(ME, headers=owner.headers)).status_code == 200


async def test_a_logged_out_token_stays_refused_after_a_restart(tmp_path: Path) -> None:
    """The deny list is in the database: a restart does not bring a logged-out token back."""
    settings = make_settings(tmp_path)
    tokens: dict[str, str] = {}
    for restart in range(2):
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
                if restart == 0:
                    tokens["out"] = await register_and_login(client, "boss@example.com")
                    tokens["kept"] = await login(client, "boss@example.com")
                    assert (await client.post(LOGOUT, headers=bearer(tokens["out"]))).status_code == 204
                assert (await client.get(ME, headers=bearer(tokens["out"]))).status_code == 401
                assert (await client.get(ME, headers=bearer(tokens["kept"]))).status_code == 200


async def test_logout_everywhere_ends_every_token_of_the_account(world: World) -> None:
    owner, viewer = world["owner"], world["viewer"]
    client = world.client
    second = await login(client, owner.email)
    assert (await client.post(LOGOUT_ALL, headers=bearer(second))).status_code == 204
    for token in (owner.token, second):
        assert (await client.get(ME, headers=bearer(token))).status_code == 401
    assert (await client.get(ME, headers=viewer.headers)).status_code == 200  # other accounts keep theirs
    assert (await client.get(ME, headers=bearer(await login(client, owner.email)))).status_code == 200


async def test_changing_the_password_needs_the_current_one(world: World) -> None:
    viewer = world["viewer"]
    client = world.client
    for body, reason in (
        ({"password": NEW_PASSWORD}, "Send the account's current password"),
        ({"password": NEW_PASSWORD, "current_password": "not it at all 42"}, "is not the account's"),
        ({"email": "hijacked@example.com"}, "Send the account's current password"),
    ):
        response = await client.patch(ME, json=body, headers=viewer.headers)
        assert response.status_code == 400, body
        assert response.json()["detail"]["code"] == "CURRENT_PASSWORD_INVALID"
        assert reason in response.json()["detail"]["reason"]
    assert await login(client, viewer.email, PASSWORD)  # nothing changed
    assert (await client.get(ME, headers=viewer.headers)).json()["email"] == viewer.email


async def test_a_new_password_ends_the_old_tokens(world: World) -> None:
    viewer = world["viewer"]
    client = world.client
    other_device = await login(client, viewer.email)
    response = await client.patch(
        ME, json={"password": NEW_PASSWORD, "current_password": PASSWORD}, headers=viewer.headers
    )
    assert response.status_code == 200, response.text
    for token in (viewer.token, other_device):
        assert (await client.get(ME, headers=bearer(token))).status_code == 401
    refused = await client.post(
        "/api/v1/auth/jwt/login", data={"username": viewer.email, "password": PASSWORD}
    )
    assert refused.status_code == 400
    assert (
        await client.get(ME, headers=bearer(await login(client, viewer.email, NEW_PASSWORD)))
    ).status_code == 200


async def test_wrong_current_passwords_are_throttled_like_logins(world: World) -> None:
    """A stolen token cannot be used to guess the account's password through PATCH /users/me."""
    viewer = world["viewer"]
    limit = world.app.state.runtime.settings.login_max_failures_per_account_ip
    body = {"password": NEW_PASSWORD, "current_password": "a wrong guess 1"}
    statuses = [
        (await world.client.patch(ME, json=body, headers=viewer.headers)).status_code
        for _ in range(limit + 1)
    ]
    assert statuses == [400] * limit + [429]


async def test_deactivation_and_role_change_by_an_admin_end_tokens(world: World) -> None:
    admin, viewer, stranger = world["admin"], world["viewer"], world["stranger"]
    client = world.client
    response = await client.patch(
        f"/api/v1/users/{viewer.id}", json={"role": "operator"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert (await client.get(ME, headers=viewer.headers)).status_code == 401
    response = await client.patch(
        f"/api/v1/users/{stranger.id}", json={"is_active": False}, headers=admin.headers
    )
    assert response.status_code == 200
    assert (await client.get(ME, headers=stranger.headers)).status_code == 401
    # reactivated, the old token stays ended: only a new login works
    await client.patch(f"/api/v1/users/{stranger.id}", json={"is_active": True}, headers=admin.headers)
    assert (await client.get(ME, headers=stranger.headers)).status_code == 401
    assert await login(client, stranger.email)


async def test_an_admin_resetting_a_password_needs_no_current_password_and_ends_tokens(world: World) -> None:
    admin, owner = world["admin"], world["owner"]
    response = await world.client.patch(
        f"/api/v1/users/{owner.id}", json={"password": NEW_PASSWORD}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    assert (await world.client.get(ME, headers=owner.headers)).status_code == 401
    assert await login(world.client, owner.email, NEW_PASSWORD)


# --- open sockets ----------------------------------------------------------------------------------


class Socket:
    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.expired = asyncio.Event()
        self.client.on("session_expired", self._on_expired)

    async def _on_expired(self, _data: Any) -> None:
        self.expired.set()

    async def connect(self, url: str, token: str) -> Socket:
        await self.client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        return self


async def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with live_server(make_settings(tmp_path)) as server:
        yield server


@pytest.fixture
async def http(server: LiveServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        yield client


@pytest.mark.slow
async def test_logout_closes_the_sockets_of_that_token_and_no_others(
    server: LiveServer, http: httpx.AsyncClient
) -> None:
    client, first = http, await register_and_login(http, "boss@example.com")
    second = await login(client, "boss@example.com")
    closing, staying = (
        await Socket().connect(server.url, first),
        await Socket().connect(server.url, second),
    )
    assert (await client.post(LOGOUT, headers=bearer(first))).status_code == 204
    await asyncio.wait_for(closing.expired.wait(), timeout=5)
    await wait_for(lambda: not closing.client.connected, "the logged-out socket to close")
    assert staying.client.connected
    assert not staying.expired.is_set()
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Socket().connect(server.url, first)  # nor can the token open a new one
    await staying.client.disconnect()


@pytest.mark.slow
@pytest.mark.parametrize("how", ["logout everywhere", "new password", "deactivated"])
async def test_revoking_every_token_closes_open_sockets(
    server: LiveServer, http: httpx.AsyncClient, how: str
) -> None:
    client, admin = http, await register_and_login(http, "boss@example.com")
    user = (
        await client.post("/api/v1/auth/register", json={"email": "eve@example.com", "password": PASSWORD})
    ).json()
    token = await login(client, "eve@example.com")
    socket = await Socket().connect(server.url, token)
    if how == "logout everywhere":
        response = await client.post(LOGOUT_ALL, headers=bearer(token))
    elif how == "new password":
        response = await client.patch(
            ME, json={"password": NEW_PASSWORD, "current_password": PASSWORD}, headers=bearer(token)
        )
    else:
        response = await client.patch(
            f"/api/v1/users/{user['id']}", json={"is_active": False}, headers=bearer(admin)
        )
    assert response.status_code in (200, 204), response.text
    await asyncio.wait_for(socket.expired.wait(), timeout=5)
    await wait_for(lambda: not socket.client.connected, f"the socket to close ({how})")
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Socket().connect(server.url, token)
