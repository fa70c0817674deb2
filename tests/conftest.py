"""Fixtures shared by every test: settings in a temporary folder, the app with its lifespan, users."""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi_users.password import PasswordHelper
from sqlalchemy.engine import make_url

from tests.servers.postgres import PostgresServer
from vigil.api.app import create_app
from vigil.db import incidents as incident_repo
from vigil.db.tables import Artifact, Camera, CameraShare, Incident, User
from vigil.domain import ArtifactKind, Role, Severity, ShareRole, SourceKind
from vigil.settings import Settings

PASSWORD = "long enough passphrase"
DATABASES = ("sqlite", "postgresql")
ON_POSTGRESQL = pytest.mark.parametrize("database", ["postgresql"], indirect=True)
ON_BOTH_DATABASES = pytest.mark.parametrize("database", DATABASES, indirect=True)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=DATABASES,
        default="sqlite",
        help="the database of every test's settings: sqlite (a file per test, the default) or postgresql "
        "(a fresh database per test on one PostgreSQL server started for the session)",
    )


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL for the session, with a template database already migrated to head."""
    from vigil.db.migrate import upgrade_to_head

    with PostgresServer() as server:
        url = server.create_database("head")
        upgrade_to_head(url)
        server.template = str(make_url(url).database)
        yield server


@pytest.fixture(autouse=True)
def database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Where every `Settings` of the test keeps its data, given as `VIGIL_DATABASE_URL`: `sqlite` (the
    default: a file in the data folder) or `postgresql` (a fresh database at head on the session's server,
    dropped afterwards). A module runs on PostgreSQL with `pytestmark = ON_POSTGRESQL` (or on both with
    `ON_BOTH_DATABASES`); the whole suite with `pytest --database=postgresql`."""
    kind: str = getattr(request, "param", None) or request.config.getoption("--database")
    for name in ("VIGIL_DATABASE_URL", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    if kind != "postgresql":
        yield kind
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database(request.node.name, template=server.template)
    monkeypatch.setenv("VIGIL_DATABASE_URL", url)
    yield kind
    server.drop_database(url)


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "data_dir": tmp_path / "data",
        "secret_key": "test-secret-" + "x" * 40,
        "frontend_dist": tmp_path / "no-dashboard",
        "file_roots": str(tmp_path / "videos"),
        "login_max_attempts_per_ip": 1000,
        # most tests register several accounts from one address; closed registration and the limits
        # themselves are tested with their own settings (tests/api/test_auth.py, tests/security/)
        "open_registration": True,
        "register_max_per_ip": 1000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register_and_login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    return await login(client, email, password)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    response = await client.post("/api/v1/auth/jwt/login", data={"username": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


@dataclass
class Actor:
    name: str
    email: str
    token: str
    id: uuid.UUID

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass
class World:
    """Admin, a camera owner, a shared viewer and operator of it, a stranger with a camera of their own."""

    app: FastAPI
    client: httpx.AsyncClient
    actors: dict[str, Actor]
    camera_id: int
    stranger_camera_id: int
    incident_id: int
    stranger_incident_id: int
    artifact_id: int
    bystander_email: str
    extra: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Actor:
        return self.actors[name]

    async def set_role(self, user_id: uuid.UUID, role: Role) -> None:
        async with self.app.state.runtime.session_factory() as db:
            user = await db.get(User, user_id)
            assert user is not None
            user.role, user.is_superuser = role, role is Role.ADMIN
            db.add(user)
            await db.commit()

    async def add_camera(self, owner: str, shares: dict[str, ShareRole] | None = None) -> int:
        async with self.app.state.runtime.session_factory() as db:
            camera = Camera(
                name=f"{owner}'s camera",
                kind=SourceKind.RTSP,
                # loopback, closed port: a test that starts its pipeline dials nothing outside this machine
                url="rtsp://admin:s3cret@127.0.0.1:9/stream1",
                owner_id=self[owner].id,
            )
            db.add(camera)
            await db.commit()
            await db.refresh(camera)
            assert camera.id is not None
            for name, role in (shares or {}).items():
                db.add(CameraShare(camera_id=camera.id, user_id=self[name].id, role=role))
            await db.commit()
            return camera.id

    async def add_incident(
        self,
        camera_id: int,
        label: str = "scream",
        confidence: float = 0.8,
        started_ago_s: float = 60,
        severity: Severity = Severity.MEDIUM,
    ) -> int:
        async with self.app.state.runtime.session_factory() as db:
            incident = await incident_repo.add(
                db,
                Incident(
                    camera_id=camera_id,
                    label=label,
                    confidence=confidence,
                    severity=severity,
                    started_at=datetime.now(UTC) - timedelta(seconds=started_ago_s),
                    explanation={"terms": [{"modality": "audio", "label": label, "weight": 1.0}]},
                ),
            )
            assert incident.id is not None
            return incident.id

    async def add_artifact(
        self,
        incident_id: int,
        content: bytes,
        relative: str | None = None,
        write: bool = True,
        kind: ArtifactKind = ArtifactKind.CLIP,
    ) -> int:
        settings: Settings = self.app.state.runtime.settings
        relative = relative or f"incidents/{incident_id}/clip-{uuid.uuid4().hex[:8]}.mp4"
        path = settings.media_dir / relative
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        async with self.app.state.runtime.session_factory() as db:
            artifact = await incident_repo.add_artifact(
                db,
                Artifact(
                    incident_id=incident_id,
                    kind=kind,
                    path=relative,
                    media_type="video/mp4" if kind is ArtifactKind.CLIP else "image/jpeg",
                    bytes=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                ),
            )
            assert artifact.id is not None
            return artifact.id


@functools.cache
def password_hash() -> str:
    """Hashing is deliberately slow; the scaffolding users share one hash of PASSWORD."""
    return PasswordHelper().hash(PASSWORD)


async def add_user(app: FastAPI, email: str, role: Role) -> Actor:
    """A user straight into the database, with a real token (registration itself is tested in test_auth)."""
    async with app.state.runtime.session_factory() as db:
        user = User(email=email, hashed_password=password_hash(), role=role, is_superuser=role is Role.ADMIN)
        db.add(user)
        await db.commit()
        await db.refresh(user)
    token = await app.state.runtime.jwt_strategy.write_token(user)
    return Actor(email.split("@")[0], email, token, user.id)


async def build_world(app: FastAPI, client: httpx.AsyncClient) -> World:
    roles = {
        "admin": Role.ADMIN,
        "owner": Role.OPERATOR,
        "viewer": Role.VIEWER,
        "operator": Role.VIEWER,
        "stranger": Role.OPERATOR,
        "bystander": Role.VIEWER,
    }
    actors = {name: await add_user(app, f"{name}@example.com", role) for name, role in roles.items()}
    world = World(app, client, actors, 0, 0, 0, 0, 0, "bystander@example.com")
    world.camera_id = await world.add_camera(
        "owner", {"viewer": ShareRole.VIEWER, "operator": ShareRole.OPERATOR}
    )
    world.stranger_camera_id = await world.add_camera("stranger")
    world.incident_id = await world.add_incident(world.camera_id)
    world.stranger_incident_id = await world.add_incident(world.stranger_camera_id, label="glass_break")
    world.artifact_id = await world.add_artifact(world.incident_id, b"\x00\x00\x00\x18ftypmp42" + bytes(2000))
    return world


@asynccontextmanager
async def world_over_http(app: FastAPI, url: str) -> AsyncIterator[World]:
    """A world whose client talks to a real server at `url`."""
    async with httpx.AsyncClient(base_url=url, timeout=20) as client:
        yield await build_world(app, client)


@pytest.fixture
async def world(app: FastAPI, client: httpx.AsyncClient) -> World:
    return await build_world(app, client)
