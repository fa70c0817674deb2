"""Accounts: registration rules, roles, tokens that must be refused, login limits."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.security import OAuth2PasswordRequestForm
from fastapi_users.jwt import generate_jwt

from tests.conftest import PASSWORD, World, bearer, login, make_settings, register_and_login
from vigil.api.app import create_app
from vigil.api.users import UserDatabase, UserManager
from vigil.db.tables import User
from vigil.settings import Settings

T = TypeVar("T")

REGISTER = "/api/v1/auth/register"
ME = "/api/v1/users/me"


async def test_first_user_is_admin_and_later_users_are_viewers(client: httpx.AsyncClient) -> None:
    first = await register_and_login(client, "first@example.com")
    second = await register_and_login(client, "second@example.com")
    assert (await client.get(ME, headers=bearer(first))).json()["role"] == "admin"
    me = (await client.get(ME, headers=bearer(second))).json()
    assert me["role"] == "viewer"
    assert me["is_superuser"] is False


async def test_registration_cannot_choose_its_role(client: httpx.AsyncClient) -> None:
    await register_and_login(client, "first@example.com")
    response = await client.post(
        REGISTER,
        json={"email": "sneaky@example.com", "password": PASSWORD, "is_superuser": True, "role": "admin"},
    )
    assert response.status_code == 201
    assert response.json()["role"] == "viewer"
    assert response.json()["is_superuser"] is False


async def test_registering_a_taken_email_answers_as_for_a_new_one_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    """Registration does not tell which emails have accounts; the account keeps its password and its only
    login, whatever the email's case."""
    token = await register_and_login(client, "dup@example.com")
    fresh = await client.post(REGISTER, json={"email": "new@example.com", "password": PASSWORD})
    for email in ("dup@example.com", "DUP@Example.com"):
        response = await client.post(REGISTER, json={"email": email, "password": "another passphrase 42"})
        assert response.status_code == fresh.status_code == 201
        assert response.json().keys() == fresh.json().keys()
        assert (response.json()["role"], response.json()["is_active"]) == ("viewer", True)
        refused = await client.post(
            "/api/v1/auth/jwt/login", data={"username": email, "password": "another passphrase 42"}
        )
        assert refused.status_code == 400
    me = (await client.get(ME, headers=bearer(token))).json()
    assert me["role"] == "admin"
    assert await login(client, "dup@example.com")
    users = (await client.get("/api/v1/users", headers=bearer(token))).json()
    assert sorted(u["email"] for u in users["items"]) == ["dup@example.com", "new@example.com"]


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least 10 characters"),
        ("password123", "too easy"),
        ("aaaaaaaaaaaa", "too easy"),
        ("password12", "most common passwords found in breaches"),
        ("Password1!", "too easy to guess"),
        ("qwertyuiop1", "too easy to guess"),
        ("Tr0ub4dour&3", "too easy to guess"),
        ("alice-is-my-password", "must not contain the email"),
        ("x" * 129, "at most 128"),
    ],
)
async def test_weak_password_is_refused_with_the_reason(
    client: httpx.AsyncClient, password: str, reason: str
) -> None:
    response = await client.post(REGISTER, json={"email": "alice@example.com", "password": password})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail["code"] == "REGISTER_INVALID_PASSWORD"
    assert reason in detail["reason"]


@pytest.mark.parametrize("email", ["not-an-email", "a@", "@example.com", ""])
async def test_bad_email_answers_422_naming_the_field(client: httpx.AsyncClient, email: str) -> None:
    response = await client.post(REGISTER, json={"email": email, "password": PASSWORD})
    assert response.status_code == 422
    assert ["body", "email"] in [error["loc"] for error in response.json()["detail"]]


async def test_closed_registration_still_lets_the_first_admin_in(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, open_registration=False))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
            await register_and_login(client, "boss@example.com")
            response = await client.post(
                REGISTER, json={"email": "walk-in@example.com", "password": PASSWORD}
            )
            assert response.status_code == 403
            assert response.json()["detail"] == "REGISTRATION_CLOSED"


async def test_admin_changes_a_role_and_cannot_demote_the_last_admin(world: World) -> None:
    client, admin, viewer = world.client, world["admin"], world["viewer"]
    response = await client.patch(
        f"/api/v1/users/{viewer.id}", json={"role": "operator"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.json()["role"] == "operator"
    assert (await client.get(ME, headers=viewer.headers)).status_code == 401  # a role change ends tokens
    fresh = await login(client, viewer.email)
    assert (await client.get(ME, headers=bearer(fresh))).json()["role"] == "operator"

    response = await client.patch(f"/api/v1/users/{admin.id}", json={"role": "viewer"}, headers=admin.headers)
    assert response.status_code == 409
    assert response.json()["detail"] == "LAST_ADMIN"


async def test_users_cannot_raise_their_own_role(world: World) -> None:
    viewer = world["viewer"]
    response = await world.client.patch(
        ME, json={"role": "admin", "is_superuser": True}, headers=viewer.headers
    )
    assert response.status_code == 200
    me = (await world.client.get(ME, headers=viewer.headers)).json()
    assert (me["role"], me["is_superuser"]) == ("viewer", False)


async def test_expired_token_is_refused(world: World, settings: Settings) -> None:
    claims = {"sub": str(world["owner"].id), "aud": ["fastapi-users:auth"]}
    expired = generate_jwt(claims, settings.jwt_secret, lifetime_seconds=-5)
    response = await world.client.get(ME, headers=bearer(expired))
    assert response.status_code == 401


async def test_tampered_tokens_are_refused(world: World, settings: Settings) -> None:
    good = world["viewer"].token
    header, payload, signature = good.split(".")
    claims = jwt.decode(good, options={"verify_signature": False})
    claims["sub"] = str(world["admin"].id)
    forged_payload = jwt.encode(claims, "guess-" + "z" * 40, algorithm="HS256").split(".")[1]
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    tokens = {
        "payload swapped, signature kept": f"{header}.{forged_payload}.{signature}",
        "signature altered": f"{header}.{payload}.{flipped}",
        "signed with another key": jwt.encode(claims, "another-key-" + "y" * 40, algorithm="HS256"),
        "alg none": jwt.encode(claims, None, algorithm="none"),  # type: ignore[arg-type]
        "garbage": "not.a.jwt",
        "unknown user": generate_jwt(
            {"sub": str(uuid.uuid4()), "aud": ["fastapi-users:auth"]}, settings.jwt_secret, 60
        ),
    }
    for what, token in tokens.items():
        response = await world.client.get(ME, headers=bearer(token))
        assert response.status_code == 401, what
    assert (await world.client.get(ME, headers=bearer(good))).status_code == 200


async def test_deactivated_user_is_locked_out(world: World) -> None:
    stranger = world["stranger"]
    response = await world.client.patch(
        f"/api/v1/users/{stranger.id}", json={"is_active": False}, headers=world["admin"].headers
    )
    assert response.status_code == 200
    assert (await world.client.get(ME, headers=stranger.headers)).status_code == 401
    response = await world.client.post(
        "/api/v1/auth/jwt/login", data={"username": stranger.email, "password": PASSWORD}
    )
    assert response.status_code == 400


async def test_repeated_failures_from_one_address_block_it_on_that_account_only(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    await register_and_login(client, "target@example.com")
    await register_and_login(client, "other@example.com")
    limit = app.state.runtime.settings.login_max_failures_per_account_ip
    for _ in range(limit):
        response = await client.post(
            "/api/v1/auth/jwt/login", data={"username": "target@example.com", "password": "wrong guess!"}
        )
        assert response.status_code == 400
    response = await client.post(
        "/api/v1/auth/jwt/login", data={"username": "TARGET@example.com", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert response.json()["detail"] == "LOGIN_RATE_LIMITED"
    assert int(response.headers["Retry-After"]) > 0
    assert await login(client, "other@example.com")


async def test_one_address_is_limited_across_accounts(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, login_max_attempts_per_ip=4))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
            statuses = [
                (
                    await client.post(
                        "/api/v1/auth/jwt/login",
                        data={"username": f"u{i}@example.com", "password": "nope nope"},
                    )
                ).status_code
                for i in range(6)
            ]
        other = httpx.ASGITransport(app=app, client=("203.0.113.8", 5000))
        async with httpx.AsyncClient(transport=other, base_url="http://vigil.test") as client:
            response = await client.post(
                "/api/v1/auth/jwt/login", data={"username": "u9@example.com", "password": "nope nope"}
            )
    assert statuses == [400, 400, 400, 400, 429, 429]
    assert response.status_code == 400


async def ticks_while(work: Awaitable[T]) -> tuple[T, int]:
    """`work`'s result and how many times another task ran (every 2 ms) while it was awaited."""
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.002)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        return await work, ticks
    finally:
        done.set()
        await ticker


async def test_a_login_leaves_the_event_loop_free_while_the_password_is_checked(world: World) -> None:
    """Checking a password costs ~0.13 s of CPU (argon2); the loop that carries live frames and incidents
    keeps running meanwhile, for a right password, a wrong one and an unknown account alike."""
    settings = world.app.state.runtime.settings
    for email, password, expected in (
        (world["owner"].email, PASSWORD, True),
        (world["owner"].email, "not-the-password-1", False),
        ("nobody@example.org", PASSWORD, False),
    ):
        async with world.app.state.runtime.session_factory() as session:
            manager = UserManager(UserDatabase(session, User), settings)
            form = OAuth2PasswordRequestForm(username=email, password=password)
            user, ticks = await ticks_while(manager.authenticate(form))
        assert (user is not None) == expected, email
        assert ticks >= 10, f"the event loop ran {ticks} times while {email}'s password was checked"
