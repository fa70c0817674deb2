"""Upgrading a database that holds data loses nothing, on SQLite and on PostgreSQL.

The database starts at the first migration; at each migration that adds tables, the rows a running server
would have written by then go in (through the columns that existed then). After the upgrade to head every
row reads back through the models with every value as written, the columns added later hold their
defaults, new rows get fresh ids, and the server shows the old cameras, incidents, routes and rules.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from sqlalchemy import column, func, insert, table
from sqlalchemy import types as sa_types
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel, col, select

from tests.conftest import ON_BOTH_DATABASES, bearer, login, make_settings, password_hash
from tests.db.conftest import on_connection_async
from vigil.api.app import create_app
from vigil.db.migrate import alembic_config
from vigil.db.tables import (
    ActivitySlot,
    AlertDelivery,
    AlertRoute,
    AlertSettings,
    Artifact,
    BaselineBucket,
    BaselineDay,
    Camera,
    CameraShare,
    Incident,
    IncidentSpeech,
    PushSubscription,
    RevokedToken,
    RuleSet,
    User,
)
from vigil.db.types import UTCDateTime
from vigil.fusion.rules import default_rules_text, load_rules

pytestmark = ON_BOTH_DATABASES

MODELS: dict[str, type[SQLModel]] = {
    str(model.__tablename__): model
    for model in (
        User,
        Camera,
        CameraShare,
        Incident,
        Artifact,
        AlertRoute,
        AlertDelivery,
        RuleSet,
        RevokedToken,
        IncidentSpeech,
        AlertSettings,
        PushSubscription,
        BaselineBucket,
        BaselineDay,
        ActivitySlot,
    )
}
BERLIN = timezone(timedelta(hours=1))
T0 = datetime(2026, 11, 20, 21, 14, 5, 123456, tzinfo=UTC)
EXPLANATION: dict[str, Any] = {
    "rule": "fight",
    "rule_version": "2026.11.1",
    "score": 0.8734567890123,
    "summary": "fight 0.87: action.fight 0.74 (2 people, zone «Eingang»), audio.scream 0.13",
    "terms": [
        {
            "evidence": "action.fight",
            "modality": "action",
            "weight": 1.5,
            "contribution": 0.74,
            "evidence_items": [{"label": "fight", "score": 0.91, "t_s": 12.5, "track_ids": [3, 4]}],
        },
        {"evidence": "audio.scream", "modality": "audio", "weight": 0.5, "contribution": 0.13, "zone": None},
    ],
    "schedule": {"name": "nights", "factor": 1.2, "open": False},
}
ZONES: list[dict[str, Any]] = [
    {
        "name": "Eingang",
        "kind": "loiter",
        "points": [[0.1, 0.2], [0.9, 0.2], [0.9, 0.95], [0.1, 0.95]],
        "loiter_s": 30.0,
    },
    {"name": "Straße", "kind": "privacy", "points": [[0.0, 0.0], [1.0, 0.0], [1.0, 0.15]], "loiter_s": None},
]


@dataclass
class Written:
    """The rows written before the upgrade, as (table, values) with the ids the database gave them."""

    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, connection: Connection, name: str, values: dict[str, Any], returning: str = "") -> Any:
        """Insert one row through exactly the columns given (those of the schema at this migration)."""
        target = table(name, *(column(key, _type_of(value)) for key, value in values.items()))
        statement = insert(target).values(**values)
        if returning:
            statement = statement.returning(column(returning))
        result = connection.execute(statement)
        if returning:
            values = {**values, returning: result.scalar_one()}
        self.rows.append((name, values))
        return values.get(returning)


def _type_of(value: Any) -> sa_types.TypeEngine[Any] | None:
    """The column type a value is written with, as the migrations declare it."""
    if isinstance(value, uuid.UUID):
        return sa_types.Uuid()
    if isinstance(value, datetime):
        return UTCDateTime()
    if isinstance(value, dict | list):
        return sa_types.JSON()
    return None


ADMIN, OPERATOR, VIEWER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
ADMIN_EMAIL = "ana.admin@example.com"
ids: dict[str, int] = {}


def at_0001(connection: Connection, written: Written) -> None:
    """Accounts, cameras, a share, incidents and their artifacts."""
    for uid, email, role in (
        (ADMIN, ADMIN_EMAIL, "admin"),
        (OPERATOR, "otto.operator@example.com", "operator"),
        (VIEWER, "vera.viewer@example.com", "viewer"),
    ):
        written.add(
            connection,
            "user",
            {
                "id": uid,
                "email": email,
                "hashed_password": password_hash(),
                "is_active": True,
                "is_superuser": role == "admin",
                "is_verified": False,
                "role": role,
                "created_at": T0,
            },
        )
    camera = {
        "kind": "rtsp",
        "analysis_fps": 2.5,
        "enabled": True,
        "owner_id": OPERATOR,
        "created_at": T0,
        "updated_at": T0.astimezone(BERLIN) + timedelta(minutes=3),  # any offset in, the same instant out
    }
    ids["gate"] = written.add(
        connection,
        "camera",
        {**camera, "name": "Gate – Tor 1", "url": "rtsp://admin:s3cr%40t@192.0.2.10:554/stream1"},
        "id",
    )
    ids["yard"] = written.add(
        connection,
        "camera",
        {**camera, "name": "yard", "url": "rtsp://192.0.2.11/h264", "enabled": False, "analysis_fps": 5.0},
        "id",
    )
    written.add(
        connection,
        "camera_share",
        {"camera_id": ids["gate"], "user_id": VIEWER, "role": "viewer", "created_at": T0},
    )
    incident = {
        "camera_id": ids["gate"],
        "label": "fight",
        "confidence": 0.8734567890123,
        "severity": "high",
        "status": "acknowledged",
        "started_at": T0 + timedelta(hours=1),
        "ended_at": T0 + timedelta(hours=1, seconds=42.5),
        "explanation": EXPLANATION,
        "keep": True,
        "acknowledged_by": OPERATOR,
        "acknowledged_at": T0 + timedelta(hours=1, minutes=2),
        "resolved_at": None,
        "created_at": T0 + timedelta(hours=1),
        "updated_at": T0 + timedelta(hours=1, minutes=2),
    }
    ids["fight"] = written.add(connection, "incident", incident, "id")
    ids["scream"] = written.add(
        connection,
        "incident",
        {
            **incident,
            "label": "scream",
            "confidence": 0.61,
            "severity": "medium",
            "status": "new",
            "started_at": T0 + timedelta(days=1),
            "ended_at": None,
            "explanation": {"terms": [], "summary": ""},
            "keep": False,
            "acknowledged_by": None,
            "acknowledged_at": None,
        },
        "id",
    )
    for kind, path, media_type, size in (
        ("clip", f"incidents/{ids['fight']}/clip.mp4", "video/mp4", 48_211_337),
        ("snapshot", f"incidents/{ids['fight']}/snapshot.jpg", "image/jpeg", 181_004),
    ):
        ids[kind] = written.add(
            connection,
            "artifact",
            {
                "incident_id": ids["fight"],
                "kind": kind,
                "path": path,
                "media_type": media_type,
                "bytes": size,
                "sha256": f"{size:064x}",
                "created_at": T0 + timedelta(hours=1, minutes=1),
            },
            "id",
        )


def at_0003(connection: Connection, written: Written) -> None:
    """An alert route with a schedule and a time zone, and its deliveries."""
    route = {
        "owner_id": OPERATOR,
        "name": "Nachts per Webhook",
        "enabled": True,
        "cameras": [ids["gate"]],
        "labels": ["fight", "scream"],
        "min_confidence": 0.55,
        "schedule": [{"days": ["mon", "tue", "sat"], "start": "22:00", "end": "06:00"}],
        "timezone": "Europe/Berlin",
        "channel": "webhook",
        "target": "https://hooks.example.com/vigil?team=night",
        "webhook_secret": "whsec-" + "k" * 40,
        "cooldown_s": 120.0,
        "update_step": 0.15,
        "update_interval_s": 45.0,
        "max_updates": 4,
        "notify_close": False,
        "created_at": T0,
        "updated_at": T0,
    }
    ids["route"] = written.add(connection, "alert_route", route, "id")
    ids["mail_route"] = written.add(
        connection,
        "alert_route",
        {
            **route,
            "name": "",
            "cameras": None,
            "labels": None,
            "schedule": [],
            "timezone": None,
            "channel": "email",
            "target": "night-desk@example.com",
            "webhook_secret": "",
            "notify_close": True,
        },
        "id",
    )
    for number, (status, error) in enumerate((("delivered", None), ("failed", "HTTP 503 from receiver"))):
        written.add(
            connection,
            "alert_delivery",
            {
                "id": uuid.UUID(int=number + 1).hex,
                "route_id": ids["route"],
                "channel": "webhook",
                "target": "https://hooks.example.com/vigil?team=night",
                "incident_id": ids["fight"],
                "update_kind": "opened",
                "status": status,
                "attempts": 3,
                "last_error": error,
                "created_at": T0 + timedelta(hours=1),
                "updated_at": T0 + timedelta(hours=1, seconds=9),
                "delivered_at": T0 + timedelta(hours=1, seconds=9) if status == "delivered" else None,
                "receipt": "HTTP 200" if status == "delivered" else None,
            },
        )


def at_0004(connection: Connection, written: Written) -> None:
    """A camera drawn with zones, private."""
    ids["door"] = written.add(
        connection,
        "camera",
        {
            "name": "door",
            "kind": "file",
            "url": "videos/door.mp4",
            "analysis_fps": 4.0,
            "enabled": True,
            "owner_id": ADMIN,
            "created_at": T0,
            "updated_at": T0,
            "file_loop": False,
            "file_realtime": True,
            "zones": ZONES,
            "privacy": True,
        },
        "id",
    )


def at_0005(connection: Connection, written: Written) -> None:
    """A saved version of the rules."""
    text = default_rules_text()
    ids["rules"] = written.add(
        connection,
        "rule_set",
        {"version": load_rules(text).version, "text": text, "created_by": ADMIN, "created_at": T0},
        "id",
    )


def at_0006(connection: Connection, written: Written) -> None:
    written.add(connection, "revoked_token", {"jti": "a" * 32, "expires_at": T0 + timedelta(days=365)})


def at_0007(connection: Connection, written: Written) -> None:
    written.add(
        connection,
        "incident_speech",
        {
            "incident_id": ids["fight"],
            "started_at": T0 + timedelta(hours=1, seconds=3),
            "ended_at": T0 + timedelta(hours=1, seconds=6.25),
            "text": "Hilfe! Lass mich los – help!",
            "conf": 0.71,
            "source": "whisper-tiny-en",
            "created_at": T0 + timedelta(hours=1, seconds=50),
        },
        "id",
    )


def at_0008(connection: Connection, written: Written) -> None:
    written.add(
        connection,
        "alert_settings",
        {
            "values": {"smtp_host": "mail.example.com", "smtp_port": 587, "smtp_password": "pw with ü"},
            "updated_by": ADMIN,
            "updated_at": T0,
        },
        "id",
    )
    written.add(
        connection,
        "push_subscription",
        {
            "user_id": VIEWER,
            "endpoint": "https://push.example.net/wpush/v2/" + "x" * 300,
            "p256dh": "B" * 87,
            "auth": "A" * 22,
            "device": "Vera's phone",
            "created_at": T0,
        },
        "id",
    )


def at_0009(connection: Connection, written: Written) -> None:
    for hour in (3, 4, 167):
        written.add(
            connection,
            "baseline_bucket",
            {
                "camera_id": ids["gate"],
                "measure": "zone:Eingang/dwell_s",
                "hour_of_week": hour,
                "n": 12.0,
                "mean": 0.4142135623730951,
                "m2": 1e-300,
                "accepted_low": None if hour != 3 else 0.0,
                "accepted_high": None if hour != 3 else 7.5,
                "updated_at": T0,
            },
        )
    written.add(connection, "baseline_day", {"camera_id": ids["gate"], "day": T0.date().toordinal()})
    written.add(
        connection,
        "activity_slot",
        {
            "camera_id": ids["gate"],
            "started_at": T0,
            "slot_s": 300.0,
            "measure": "people",
            "hour_of_week": 117,
            "value": 6.0,
            "low": 0.0,
            "mid": 0.5,
            "high": 2.0,
            "direction": "high",
        },
        "id",
    )


STEPS = {
    "0001": at_0001,
    "0003": at_0003,
    "0004": at_0004,
    "0005": at_0005,
    "0006": at_0006,
    "0007": at_0007,
    "0008": at_0008,
    "0009": at_0009,
}
ADDED_LATER: dict[str, dict[str, Any]] = {  # columns added to existing tables, and what old rows get
    "camera": {
        "file_loop": True,
        "file_realtime": True,
        "zones": [],
        "privacy": False,
        "transcribe": False,
        "detect_url": "",
    },
    "user": {"token_version": 0},
}


async def upgrade(url: str, revision: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


def _key(model: type[SQLModel], values: dict[str, Any]) -> tuple[Any, ...]:
    primary = [c.name for c in model.__table__.primary_key.columns]  # type: ignore[attr-defined]
    return tuple(values[name] for name in primary)


def _read_back(connection: Connection) -> dict[str, dict[tuple[Any, ...], SQLModel]]:
    from sqlalchemy.orm import Session

    with Session(connection) as session:
        return {
            name: {_key(model, row.model_dump()): row for row in session.scalars(select(model)).all()}
            for name, model in MODELS.items()
        }


async def test_upgrading_a_database_with_data_loses_nothing(empty_database: str, tmp_path: Path) -> None:
    url, written = empty_database, Written()
    for revision, write in STEPS.items():
        await upgrade(url, revision)
        await on_connection_async(url, lambda connection, write=write: write(connection, written))  # type: ignore[misc]
    await upgrade(url, "head")

    stored = await on_connection_async(url, _read_back)
    assert {name for name, _ in written.rows} == set(MODELS), "every table holds rows"
    for name, values in written.rows:
        row = stored[name].get(_key(MODELS[name], values))
        assert row is not None, f"{name} {values} is gone"
        kept = {key: getattr(row, key) for key in values}
        assert kept == values, name
        for key, default in ADDED_LATER.get(name, {}).items():
            if key not in values:
                assert getattr(row, key) == default, f"{name}.{key}"
    assert sum(len(rows) for rows in stored.values()) == len(written.rows)

    # the server on the upgraded database: the same people see the same things, and new rows get new ids
    app = create_app(make_settings(tmp_path, database_url=url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vigil.test") as client,
    ):
        admin = bearer(await login(client, ADMIN_EMAIL))
        viewer = bearer(await login(client, "vera.viewer@example.com"))
        operator = bearer(await login(client, "otto.operator@example.com"))

        door = (await client.get(f"/api/v1/cameras/{ids['door']}", headers=admin)).json()
        assert door["zones"] == [{**zone, "closed_hours": []} for zone in ZONES]
        assert door["privacy"] is True
        assert door["file_loop"] is False
        seen = (await client.get("/api/v1/cameras", headers=viewer)).json()
        assert [c["name"] for c in seen["items"]] == ["Gate – Tor 1"]

        fight = (await client.get(f"/api/v1/incidents/{ids['fight']}", headers=viewer)).json()
        assert fight["explanation"] == EXPLANATION
        assert fight["summary"] == EXPLANATION["summary"]
        assert datetime.fromisoformat(fight["started_at"]) == T0 + timedelta(hours=1)
        assert {a["id"] for a in fight["artifacts"]} == {ids["clip"], ids["snapshot"]}
        assert [s["text"] for s in fight["transcript"]] == ["Hilfe! Lass mich los – help!"]
        listed = (await client.get("/api/v1/incidents", params={"label": "fight"}, headers=viewer)).json()
        assert [i["id"] for i in listed["items"]] == [ids["fight"]]

        routes = (await client.get("/api/v1/alert-routes", headers=operator)).json()["items"]
        assert [r["id"] for r in routes] == [ids["route"], ids["mail_route"]]
        night = next(r for r in routes if r["id"] == ids["route"])
        assert night["schedule"] == [{"days": ["mon", "tue", "sat"], "start": "22:00", "end": "06:00"}]
        assert night["has_webhook_secret"] is True
        rules = (await client.get("/api/v1/rules", headers=viewer)).json()
        assert rules["id"] == ids["rules"]

        created = await client.post(
            "/api/v1/cameras",
            json={"name": "new", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/new"},
            headers=operator,
        )
        assert created.status_code == 201, created.text
        assert created.json()["id"] > max(ids["gate"], ids["yard"], ids["door"])
        async with app.state.runtime.session_factory() as db:
            assert await db.scalar(select(func.count()).select_from(Camera)) == 4
            assert await db.scalar(select(func.max(col(Incident.id)))) == ids["scream"]
