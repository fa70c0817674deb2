"""Administrators add accounts (`POST /users`): with a role, under registration's password rules, also while
open registration is off; the last active administrator stays one."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD, World, bearer, login, make_settings, register_and_login
from vigil.api.app import create_app

USERS = "/api/v1/users"
ME = "/api/v1/users/me"


@pytest.mark.parametrize("role", ["viewer", "operator", "admin"])
async def test_admin_adds_an_account_that_logs_in_with_its_role(world: World, role: str) -> None:
    response = await world.client.post(
        USERS,
        json={"email": f"new.{role}@Example.com", "password": PASSWORD, "role": role},
        headers=world["admin"].headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["email"] == f"new.{role}@example.com"
    assert (created["role"], created["is_superuser"], created["is_active"]) == (role, role == "admin", True)
    assert not {"password", "hashed_password"} & created.keys()  # the secret never leaves

    token = await login(world.client, f"new.{role}@example.com")
    me = (await world.client.get(ME, headers=bearer(token))).json()
    assert (me["id"], me["role"]) == (created["id"], role)
    listed = await world.client.get(USERS, headers=bearer(token))
    assert listed.status_code == (200 if role == "admin" else 403)


async def test_the_role_defaults_to_viewer(world: World) -> None:
    response = await world.client.post(
        USERS, json={"email": "plain@example.com", "password": PASSWORD}, headers=world["admin"].headers
    )
    assert response.status_code == 201
    assert response.json()["role"] == "viewer"


async def test_closed_registration_leaves_adding_accounts_to_admins(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, open_registration=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
            boss = await register_and_login(client, "boss@example.com")
            walk_in = {"email": "walk-in@example.com", "password": PASSWORD}
            refused = await client.post("/api/v1/auth/register", json=walk_in)
            assert (refused.status_code, refused.json()["detail"]) == (403, "REGISTRATION_CLOSED")

            response = await client.post(USERS, json={**walk_in, "role": "operator"}, headers=bearer(boss))
            assert response.status_code == 201, response.text
            token = await login(client, "walk-in@example.com")
            assert (await client.get(ME, headers=bearer(token))).json()["role"] == "operator"
            # and the one added cannot add others
            other = {"email": "friend@example.com", "password": PASSWORD}
            assert (await client.post(USERS, json=other, headers=bearer(token))).status_code == 403


async def test_an_existing_email_is_refused_whatever_its_case(world: World) -> None:
    for email in ("viewer@example.com", "VIEWER@Example.COM"):
        response = await world.client.post(
            USERS, json={"email": email, "password": PASSWORD}, headers=world["admin"].headers
        )
        assert (response.status_code, response.json()) == (400, {"detail": "REGISTER_USER_ALREADY_EXISTS"})


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least 10 characters"),
        ("password123", "too easy"),
        ("carol-is-my-password", "must not contain the email"),
        ("x" * 129, "at most 128"),
    ],
)
async def test_registration_password_rules_apply(world: World, password: str, reason: str) -> None:
    response = await world.client.post(
        USERS, json={"email": "carol@example.com", "password": password}, headers=world["admin"].headers
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["code"] == "REGISTER_INVALID_PASSWORD"
    assert reason in detail["reason"]
    assert (await world.client.get(USERS, headers=world["admin"].headers)).json()["total"] == 6


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "dave@example.com", "password": PASSWORD, "role": "owner"}, "role"),
        ({"email": "dave@example.com", "password": PASSWORD, "is_superuser": True}, "is_superuser"),
        ({"email": "dave@example.com"}, "password"),
    ],
)
async def test_bad_bodies_answer_422_naming_the_field(
    world: World, body: dict[str, object], field: str
) -> None:
    response = await world.client.post(USERS, json=body, headers=world["admin"].headers)
    assert response.status_code == 422
    assert ["body", field] in [error["loc"] for error in response.json()["detail"]]


async def test_only_admins_add_accounts(world: World) -> None:
    body = {"email": "eve@example.com", "password": PASSWORD, "role": "admin"}
    for name in ("owner", "viewer", "stranger"):
        response = await world.client.post(USERS, json=body, headers=world[name].headers)
        assert response.status_code == 403, name
    assert (await world.client.post(USERS, json=body)).status_code == 401
    emails = [
        u["email"] for u in (await world.client.get(USERS, headers=world["admin"].headers)).json()["items"]
    ]
    assert "eve@example.com" not in emails


async def test_the_last_active_admin_cannot_be_demoted_deactivated_or_deleted(world: World) -> None:
    client, admin = world.client, world["admin"]
    own = f"{USERS}/{admin.id}"
    for change in ({"role": "viewer"}, {"role": "operator"}, {"is_active": False}):
        response = await client.patch(own, json=change, headers=admin.headers)
        assert (response.status_code, response.json()) == (409, {"detail": "LAST_ADMIN"}), change
    response = await client.delete(own, headers=admin.headers)
    assert (response.status_code, response.json()) == (409, {"detail": "LAST_ADMIN"})
    assert (await client.get(ME, headers=admin.headers)).json()["role"] == "admin"

    # with a second admin added, the first may step down
    added = await client.post(
        USERS,
        json={"email": "deputy@example.com", "password": PASSWORD, "role": "admin"},
        headers=admin.headers,
    )
    assert added.status_code == 201
    response = await client.patch(own, json={"role": "operator"}, headers=admin.headers)
    assert response.status_code == 200
    assert response.json()["role"] == "operator"


async def test_deleting_an_account_stops_the_cameras_it_owned(world: World) -> None:
    """An admin deletes the owner of a running camera: the camera is gone for everyone it was shared with,
    and its pipeline no longer reads the source (nothing of a deleted account keeps watching)."""
    created = await world.client.post(
        "/api/v1/cameras",
        json={"name": "Back door", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/stream"},
        headers=world["owner"].headers,
    )
    assert created.status_code == 201, created.text
    camera_id = created.json()["id"]
    shared = await world.client.post(
        f"/api/v1/cameras/{camera_id}/shares",
        json={"email": world.bystander_email, "role": "viewer"},
        headers=world["owner"].headers,
    )
    assert shared.status_code == 201, shared.text
    supervisor = world.app.state.runtime.pipelines
    assert supervisor.pipeline(camera_id) is not None

    deleted = await world.client.delete(f"{USERS}/{world['owner'].id}", headers=world["admin"].headers)
    assert deleted.status_code == 204, deleted.text
    assert supervisor.pipeline(camera_id) is None
    seen = await world.client.get(f"/api/v1/cameras/{camera_id}", headers=world["bystander"].headers)
    assert seen.status_code == 404
