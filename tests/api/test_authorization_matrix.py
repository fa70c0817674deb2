"""Every API route × every kind of caller → the status they get. A route without a row fails the suite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.conftest import PASSWORD, World, build_world, make_settings
from vigil.api.app import create_app
from vigil.db.tables import AlertRoute, Camera, User
from vigil.domain import ChannelKind, ShareRole, SourceKind
from vigil.fusion import default_rules_text

ACTORS = ("anonymous", "owner", "viewer", "operator", "stranger", "admin")

Target = Callable[[World], Awaitable[dict[str, Any]]]


async def main_camera(world: World) -> dict[str, Any]:
    return {"camera_id": world.camera_id}


async def fresh_shared_camera(world: World) -> dict[str, Any]:
    """A camera like the main one, for calls that destroy what they touch."""
    camera_id = await world.add_camera("owner", {"viewer": ShareRole.VIEWER, "operator": ShareRole.OPERATOR})
    return {"camera_id": camera_id, "user_id": world["viewer"].id}


async def main_incident(world: World) -> dict[str, Any]:
    return {"incident_id": world.incident_id}


async def main_artifact(world: World) -> dict[str, Any]:
    return {"artifact_id": world.artifact_id}


async def stranger_user(world: World) -> dict[str, Any]:
    return {"id": world["stranger"].id}


async def throwaway_user(world: World) -> dict[str, Any]:
    async with world.app.state.runtime.session_factory() as db:
        user = User(email=f"temp-{uuid.uuid4().hex[:8]}@example.com", hashed_password="x")
        db.add(user)
        await db.commit()
        return {"id": user.id}


async def webrtc_camera(world: World) -> dict[str, Any]:
    """A browser camera shared like the main one (the offer route answers 409 for other kinds)."""
    if "webrtc_camera_id" not in world.extra:
        camera_id = await world.add_camera(
            "owner", {"viewer": ShareRole.VIEWER, "operator": ShareRole.OPERATOR}
        )
        async with world.app.state.runtime.session_factory() as db:
            camera = await db.get(Camera, camera_id)
            assert camera is not None
            camera.kind, camera.url = SourceKind.WEBRTC, ""
            db.add(camera)
            await db.commit()
        world.extra["webrtc_camera_id"] = camera_id
    return {"camera_id": world.extra["webrtc_camera_id"]}


async def owner_route(world: World) -> dict[str, Any]:
    """An alert route of the camera owner (a fresh one per call: rows that delete use it too)."""
    async with world.app.state.runtime.session_factory() as db:
        route = AlertRoute(
            owner_id=world["owner"].id,
            channel=ChannelKind.WEBHOOK,
            target="https://hooks.example.org/vigil",
            webhook_secret="matrix-route-secret",
        )
        db.add(route)
        await db.commit()
        return {"route_id": route.id}


async def owner_mail_route(world: World) -> dict[str, Any]:
    """An e-mail route of the camera owner: the test world has no SMTP, so a test alert is refused in
    words without any connection."""
    async with world.app.state.runtime.session_factory() as db:
        route = AlertRoute(owner_id=world["owner"].id, channel=ChannelKind.EMAIL, target="owner@example.org")
        db.add(route)
        await db.commit()
        return {"route_id": route.id}


WEBHOOK_ROUTE = {
    "channel": "webhook",
    "target": "https://hooks.example.org/x",
    "webhook_secret": "k3y-k3y-k3y",
}


def route_owner_or_admin(success: int) -> dict[str, int]:
    """A route is its owner's (admins see all); to anyone else it does not exist."""
    return {**signed_in(404), "owner": success, "admin": success}


async def no_params(world: World) -> dict[str, Any]:
    return {}


async def _no_subscription() -> dict[str, Any]:
    return {"subscription_id": 987654}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: dict[str, int]
    target: Target = no_params
    json: Any = None
    form: dict[str, str] | None = None
    ends_session: bool = False  # the call revokes the caller's token: a new one is made after it


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


def signed_in(status: int) -> dict[str, int]:
    return {**everyone(status), "anonymous": 401}


def admin_only(success: int) -> dict[str, int]:
    return {**signed_in(403), "admin": success}


def by_camera_access(view: int, operate: int, manage: int) -> dict[str, int]:
    """Owner and admin manage the main camera; shares view or operate it; the stranger cannot see it."""
    return {
        "anonymous": 401,
        "owner": manage,
        "admin": manage,
        "operator": operate,
        "viewer": view,
        "stranger": 404,
    }


ROWS = [
    Row("GET", "/api/v1/health", everyone(200)),
    Row(
        "POST",
        "/api/v1/auth/jwt/login",
        everyone(400),
        form={"username": "{email}", "password": "wrong password"},
    ),
    Row("POST", "/api/v1/auth/register", everyone(201), json="register"),
    Row("GET", "/api/v1/auth/config", everyone(200)),
    Row("POST", "/api/v1/auth/jwt/logout", signed_in(204), ends_session=True),
    Row("POST", "/api/v1/auth/logout-all", signed_in(204), ends_session=True),
    Row("GET", "/api/v1/users", admin_only(200)),
    Row("POST", "/api/v1/users", admin_only(201), json="register"),  # a fresh email per actor
    Row("GET", "/api/v1/users/me", signed_in(200)),
    Row("PATCH", "/api/v1/users/me", signed_in(200), json={}),
    Row("GET", "/api/v1/users/{id}", admin_only(200), target=stranger_user),
    Row("PATCH", "/api/v1/users/{id}", admin_only(200), target=throwaway_user, json={"role": "operator"}),
    Row("DELETE", "/api/v1/users/{id}", admin_only(204), target=throwaway_user),
    Row("GET", "/api/v1/cameras", signed_in(200)),
    Row(
        "POST",
        "/api/v1/cameras",
        {**signed_in(201), "viewer": 403, "operator": 403},
        json={"name": "new", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/s"},
    ),
    Row("GET", "/api/v1/cameras/{camera_id}", by_camera_access(200, 200, 200), target=main_camera),
    Row(
        "PATCH",
        "/api/v1/cameras/{camera_id}",
        by_camera_access(403, 403, 200),
        target=main_camera,
        json={"analysis_fps": 4},
    ),
    Row("DELETE", "/api/v1/cameras/{camera_id}", by_camera_access(403, 403, 204), target=fresh_shared_camera),
    Row("GET", "/api/v1/cameras/{camera_id}/health", by_camera_access(200, 200, 200), target=main_camera),
    Row(
        "POST",
        "/api/v1/cameras/probe",
        {**signed_in(422), "viewer": 403, "operator": 403},  # 422: a WebRTC camera is not probed
        json={"kind": "webrtc", "url": ""},
    ),
    Row("GET", "/api/v1/cameras/{camera_id}/shares", by_camera_access(403, 403, 200), target=main_camera),
    Row(
        "POST",
        "/api/v1/cameras/{camera_id}/shares",
        by_camera_access(403, 403, 201),
        target=main_camera,
        json={"email": "bystander@example.com", "role": "viewer"},
    ),
    Row(
        "DELETE",
        "/api/v1/cameras/{camera_id}/shares/{user_id}",
        by_camera_access(403, 403, 204),
        target=fresh_shared_camera,
    ),
    Row("GET", "/api/v1/incidents", signed_in(200)),
    Row("GET", "/api/v1/incidents/stats", signed_in(200)),
    Row("GET", "/api/v1/incidents/labels", signed_in(200)),
    # 200 for everyone signed in: what each may not operate is left as it is (tests/api/test_incident_triage)
    Row("POST", "/api/v1/incidents/review", signed_in(200), json={"filter": {}}),
    Row("GET", "/api/v1/incidents/{incident_id}", by_camera_access(200, 200, 200), target=main_incident),
    Row(
        "PATCH",
        "/api/v1/incidents/{incident_id}",
        by_camera_access(403, 200, 200),
        target=main_incident,
        json={"status": "acknowledged"},
    ),
    # 409: the main incident is a scream, not an anomaly; the access check comes first
    Row(
        "POST",
        "/api/v1/incidents/{incident_id}/normal",
        by_camera_access(403, 409, 409),
        target=main_incident,
    ),
    Row("GET", "/api/v1/cameras/{camera_id}/activity", by_camera_access(200, 200, 200), target=main_camera),
    Row(
        "DELETE", "/api/v1/cameras/{camera_id}/baseline", by_camera_access(403, 403, 204), target=main_camera
    ),
    Row("GET", "/api/v1/artifacts/{artifact_id}", by_camera_access(200, 200, 200), target=main_artifact),
    Row(
        "POST",
        "/api/v1/cameras/{camera_id}/webrtc/offer",
        by_camera_access(403, 403, 422),  # 422: the well-formed body carries no SDP offer
        target=webrtc_camera,
        json={"sdp": "not an offer", "type": "offer"},
    ),
    Row("GET", "/api/v1/alert-routes", signed_in(200)),
    Row(
        "POST",
        "/api/v1/alert-routes",
        {**signed_in(201), "viewer": 403, "operator": 403},  # by global role: both are viewers
        json=WEBHOOK_ROUTE,
    ),
    Row("GET", "/api/v1/alert-routes/{route_id}", route_owner_or_admin(200), owner_route),
    Row(
        "PATCH",
        "/api/v1/alert-routes/{route_id}",
        route_owner_or_admin(200),
        owner_route,
        json={"name": "renamed"},
    ),
    Row(
        "DELETE",
        "/api/v1/alert-routes/{route_id}",
        route_owner_or_admin(204),
        owner_route,
    ),
    Row("POST", "/api/v1/alert-routes/{route_id}/test", route_owner_or_admin(200), owner_mail_route),
    Row("GET", "/api/v1/alert-deliveries", signed_in(200)),
    Row("GET", "/api/v1/alert-channels", signed_in(200)),
    Row("GET", "/api/v1/settings/alerts", admin_only(200)),
    Row("PATCH", "/api/v1/settings/alerts", admin_only(200), json={}),
    Row("GET", "/api/v1/push/key", signed_in(200)),
    Row("GET", "/api/v1/push/subscriptions", signed_in(200)),
    # 422: a metadata address is no push service (refused before anything is stored or dialled)
    Row(
        "POST",
        "/api/v1/push/subscriptions",
        signed_in(422),
        json={"endpoint": "https://169.254.169.254/x", "keys": {"p256dh": "a", "auth": "b"}},
    ),
    # each user's own subscriptions: someone else's (or none) does not exist
    Row(
        "DELETE", "/api/v1/push/subscriptions/{subscription_id}", signed_in(404), lambda _: _no_subscription()
    ),
    Row("GET", "/api/v1/rules", signed_in(200)),
    Row("GET", "/api/v1/rules/history", admin_only(200)),
    Row("POST", "/api/v1/rules/check", signed_in(200), json={"text": "version: '1'\nrules: {}\n"}),
    Row("PUT", "/api/v1/rules", admin_only(200), json={"text": default_rules_text()}),
    Row(
        "POST",
        "/api/v1/incidents/{incident_id}/replay",
        by_camera_access(403, 422, 422),  # 422: the test world's clip is not a video (CLIP_UNREADABLE)
        target=main_incident,
        json={},
    ),
]


def api_routes(app: FastAPI) -> set[tuple[str, str]]:
    """From the OpenAPI schema: FastAPI keeps included routers nested, and no API route is hidden from it."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }


def test_every_api_route_has_a_row(app: FastAPI) -> None:
    rows = {(row.method, row.path) for row in ROWS}
    missing = api_routes(app) - rows
    assert not missing, f"routes without an authorization row: {sorted(missing)}"
    assert not rows - api_routes(app), f"rows for routes that do not exist: {sorted(rows - api_routes(app))}"


@pytest.fixture(scope="module")
async def matrix_world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """One world for the whole matrix (accounts are slow to hash); rows that destroy use fresh targets."""
    app = create_app(make_settings(tmp_path_factory.mktemp("matrix")))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
            yield await build_world(app, client)


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.method} {r.path}" for r in ROWS])
async def test_authorization(row: Row, matrix_world: World) -> None:
    world = matrix_world
    failures = []
    for actor in ACTORS:
        params = await row.target(world)
        headers = {} if actor == "anonymous" else world[actor].headers
        body = row.json
        if body == "register":
            body = {"email": f"new-{uuid.uuid4().hex[:8]}@example.com", "password": PASSWORD}
        email = f"{actor}@example.com"
        form = {key: value.format(email=email) for key, value in row.form.items()} if row.form else None
        response = await world.client.request(
            row.method, row.path.format(**params), headers=headers, json=body, data=form
        )
        if response.status_code != row.expected[actor]:
            failures.append(
                f"{actor}: {response.status_code} (expected {row.expected[actor]}) {response.text[:120]}"
            )
        if row.ends_session and actor != "anonymous":
            async with world.app.state.runtime.session_factory() as db:
                user = await db.get(User, world[actor].id)
                assert user is not None
                world[actor].token = await world.app.state.runtime.jwt_strategy.write_token(user)
    assert not failures, "\n".join(failures)
