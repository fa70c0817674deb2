"""Guessable passwords are refused everywhere a password is set, from zxcvbn's breached list and strength
estimate; the estimate runs off the event loop; registration is closed by default."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from fastapi_users import InvalidPasswordException

from tests.conftest import PASSWORD, World
from vigil.api.app import create_app
from vigil.api.users import UserDatabase, UserManager
from vigil.db.tables import User
from vigil.security.passwords import password_problem
from vigil.settings import Settings

GUESSABLE = ["password12", "Password1!", "qwertyuiop1", "iloveyou2024", "abc123abc123"]
STRONG = ["long enough passphrase", "plaza-watch-2026", "violet tram under cedar"]


@pytest.mark.parametrize("password", GUESSABLE)
def test_guessable_passwords_are_refused(password: str) -> None:
    problem = password_problem(password, "dana@example.com")
    assert problem is not None
    assert "too easy to guess" in problem


@pytest.mark.parametrize("password", STRONG)
def test_passphrases_are_accepted(password: str) -> None:
    assert password_problem(password, "dana@example.com") is None


def test_a_password_built_on_the_email_is_refused() -> None:
    assert password_problem("dana.smith.1990!", "dana.smith@example.com") is not None


@pytest.mark.parametrize("password", GUESSABLE[:3])
async def test_every_way_of_setting_a_password_refuses_guessable_ones(world: World, password: str) -> None:
    client, admin, viewer = world.client, world["admin"], world["viewer"]
    attempts = {
        "register": await client.post(
            "/api/v1/auth/register", json={"email": "new@example.com", "password": password}
        ),
        "admin adds": await client.post(
            "/api/v1/users",
            json={"email": "added@example.com", "password": password},
            headers=admin.headers,
        ),
        "own change": await client.patch(
            "/api/v1/users/me",
            json={"password": password, "current_password": PASSWORD},
            headers=viewer.headers,
        ),
        "admin reset": await client.patch(
            f"/api/v1/users/{viewer.id}", json={"password": password}, headers=admin.headers
        ),
    }
    for how, response in attempts.items():
        assert response.status_code == 400, how
        assert "too easy to guess" in response.json()["detail"]["reason"], how


async def test_the_strength_check_leaves_the_event_loop_free(world: World) -> None:
    """A long repetitive password costs zxcvbn ~0.1 s of CPU; the loop that carries live frames keeps
    running meanwhile."""
    settings: Settings = world.app.state.runtime.settings
    slow = "abcdefghij" * 12 + "k1"
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0.002)

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    async with world.app.state.runtime.session_factory() as session:
        manager = UserManager(UserDatabase(session, User), settings)
        user = User(email="dana@example.com", hashed_password="x")
        with pytest.raises(InvalidPasswordException) as refused:
            await manager.validate_password(slow, user)
    assert "too easy" in str(refused.value.reason)
    done.set()
    await ticker
    assert ticks >= 5, f"the event loop ran {ticks} times while the password was checked"


async def test_registration_is_closed_by_default_after_the_first_account(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        env="test",
        data_dir=tmp_path / "data",
        secret_key="test-secret-" + "x" * 40,
        frontend_dist=tmp_path / "no-dashboard",
    )
    assert settings.open_registration is False
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
            assert (await client.get("/api/v1/auth/config")).json() == {
                "registration_open": True,
                "first_account_admin": True,
            }
            first = await client.post(
                "/api/v1/auth/register", json={"email": "boss@example.com", "password": PASSWORD}
            )
            assert first.status_code == 201
            assert first.json()["role"] == "admin"
            assert (await client.get("/api/v1/auth/config")).json() == {
                "registration_open": False,
                "first_account_admin": False,
            }
            walk_in = await client.post(
                "/api/v1/auth/register", json={"email": "boss@example.com", "password": PASSWORD}
            )
            assert walk_in.status_code == 403  # closed: the same answer for a taken email and a new one
            assert walk_in.json()["detail"] == "REGISTRATION_CLOSED"
