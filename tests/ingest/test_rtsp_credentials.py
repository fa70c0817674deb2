"""An IP camera that asks for a user name and password (GStreamer's RTSP server with Basic or Digest
authentication), added over the API with the credentials in its URL: it streams and is analysed, a wrong
password is a health error in words, and the password never leaves the server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.conftest import World, make_settings, world_over_http
from tests.servers.live_server import LiveServer, live_server
from tests.servers.rtsp import RtspCamera, challenge

pytestmark = pytest.mark.slow

USER, PASSWORD = "admin", "Cam-s3cret-42"
METHODS = ("basic", "digest")


@pytest.fixture(scope="module")
def cameras() -> Iterator[dict[str, RtspCamera]]:
    """One camera per authentication method, both needing USER and PASSWORD."""
    with (
        RtspCamera(user=USER, password=PASSWORD, auth="basic") as basic,
        RtspCamera(user=USER, password=PASSWORD, auth="digest") as digest,
    ):
        yield {"basic": basic, "digest": digest}


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    settings = make_settings(tmp_path_factory.mktemp("credentials"), analysis_workers=1, read_timeout_s=3.0)
    async with live_server(settings) as server:
        yield server


@pytest.fixture(scope="module")
async def world(server: LiveServer) -> AsyncIterator[World]:
    async with world_over_http(server.app, server.url) as world:
        yield world


async def add_camera(world: World, name: str, url: str) -> dict[str, Any]:
    response = await world.client.post(
        "/api/v1/cameras",
        json={"name": name, "kind": "rtsp", "url": url, "analysis_fps": 2},
        headers=world["owner"].headers,
    )
    assert response.status_code == 201, response.text
    assert PASSWORD not in response.text
    camera: dict[str, Any] = response.json()
    return camera


async def health_when(world: World, camera_id: int, ready: Any, limit_s: float) -> dict[str, Any]:
    """The camera's health once `ready(health)` holds; fails with the last health after `limit_s`."""
    deadline = time.monotonic() + limit_s
    while True:
        response = await world.client.get(
            f"/api/v1/cameras/{camera_id}/health", headers=world["owner"].headers
        )
        assert response.status_code == 200, response.text
        assert PASSWORD not in response.text
        health: dict[str, Any] = response.json()
        if ready(health):
            return health
        assert time.monotonic() < deadline, f"camera {camera_id}: {health}"
        await asyncio.sleep(0.25)


@pytest.mark.parametrize("method", METHODS)
def test_the_test_camera_asks_for_exactly_this_method(cameras: dict[str, RtspCamera], method: str) -> None:
    """The other tests mean something only if the server offers the one method they name."""
    offered = challenge(cameras[method].url)
    assert offered.lower().startswith(method), offered
    assert offered.split()[0].lower() == method


@pytest.mark.parametrize("method", METHODS)
async def test_a_camera_with_credentials_in_its_url_streams_and_is_analysed(
    world: World, cameras: dict[str, RtspCamera], method: str
) -> None:
    camera = cameras[method]
    created = await add_camera(world, f"gate {method}", camera.url_with(USER, PASSWORD))
    assert created["url"] == f"rtsp://{USER}:***@127.0.0.1:{camera.port}/plaza"
    health = await health_when(
        world, created["id"], lambda h: h["state"] == "streaming" and h["fps_analysed"] > 0, 90
    )
    assert health["last_error"] is None

    for path in ("/api/v1/cameras", f"/api/v1/cameras/{created['id']}"):
        for actor in ("owner", "admin"):
            shown = await world.client.get(path, headers=world[actor].headers)
            assert shown.status_code == 200, shown.text
            assert PASSWORD not in shown.text
            assert f"{USER}:***@127.0.0.1:{camera.port}" in shown.text
    removed = await world.client.delete(f"/api/v1/cameras/{created['id']}", headers=world["owner"].headers)
    assert removed.status_code == 204


@pytest.mark.parametrize("method", METHODS)
async def test_a_wrong_password_is_an_authentication_error_in_health(
    world: World, cameras: dict[str, RtspCamera], method: str
) -> None:
    camera = cameras[method]
    wrong = "Not-the-password-7"
    created = await add_camera(world, f"wrong {method}", camera.url_with(USER, wrong))
    assert created["url"] == f"rtsp://{USER}:***@127.0.0.1:{camera.port}/plaza"
    health = await health_when(world, created["id"], lambda h: h["last_error"] is not None, 20)
    assert health["state"] == "offline"
    assert health["last_error"].startswith("authentication failed"), health
    assert wrong not in str(health)
    # it keeps trying (a camera's password may be fixed on the camera) and keeps saying why
    again = await health_when(world, created["id"], lambda h: h["reconnects"] >= 2, 20)
    assert again["state"] == "offline"
    assert again["last_error"].startswith("authentication failed"), again

    # the owner fixes the password: the same camera streams
    fixed = await world.client.patch(
        f"/api/v1/cameras/{created['id']}",
        json={"url": camera.url_with(USER, PASSWORD)},
        headers=world["owner"].headers,
    )
    assert fixed.status_code == 200, fixed.text
    assert PASSWORD not in fixed.text
    await health_when(world, created["id"], lambda h: h["state"] == "streaming", 30)
    removed = await world.client.delete(f"/api/v1/cameras/{created['id']}", headers=world["owner"].headers)
    assert removed.status_code == 204
