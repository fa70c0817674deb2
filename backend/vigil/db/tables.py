"""SQLModel tables. API shapes live in `vigil.api.schemas`; never return these objects directly."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Text, Uuid
from sqlmodel import Field, SQLModel

from vigil.db.types import EnumText, UTCDateTime, utcnow
from vigil.domain import (
    ArtifactKind,
    ChannelKind,
    DeliveryStatus,
    IncidentStatus,
    Role,
    Severity,
    ShareRole,
    SourceKind,
    UpdateKind,
)


def _created_at() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class User(SQLModel, table=True):
    """An account. The fields fastapi-users needs, plus the global role."""

    __tablename__ = "user"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True, sa_type=Uuid)
    email: str = Field(sa_column=Column(String(320), unique=True, index=True, nullable=False))
    hashed_password: str = Field(sa_type=String(1024))
    is_active: bool = True
    is_superuser: bool = False
    is_verified: bool = False
    role: Role = Field(default=Role.VIEWER, sa_type=EnumText(Role))
    token_version: int = Field(
        default=0,
        sa_column_kwargs={"server_default": "0"},
        description="Carried in each token (`ver`); raising it ends every token of the account at once.",
    )
    created_at: datetime = _created_at()


class RevokedToken(SQLModel, table=True):
    """A login token ended by logout before its expiry, by its `jti`. Kept in the database, not in memory, so
    a logout survives a restart and holds on every API process; rows go once the token would have expired."""

    __tablename__ = "revoked_token"

    jti: str = Field(sa_type=String(64), primary_key=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)


class Camera(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String(100))
    kind: SourceKind = Field(sa_type=EnumText(SourceKind))
    url: str = Field(
        sa_type=String(2048), description="Source URL, file path or device; may hold a password."
    )
    analysis_fps: float = 5.0
    enabled: bool = True
    file_loop: bool = Field(default=True, description="File cameras: start again at the end.")
    file_realtime: bool = Field(default=True, description="File cameras: play at recorded speed.")
    zones: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
        description="[{name, kind, points [[x, y], ...] normalised 0..1, loiter_s}], checked by the API.",
    )
    privacy: bool = Field(default=False, description="Blur faces in stored snapshots and clips.")
    transcribe: bool = Field(
        default=False, description="Turn this camera's speech into text (kept only with its incidents)."
    )
    detect_url: str = Field(
        default="",
        sa_type=String(2048),
        description="RTSP cameras: a substream analysed instead of `url` (clips still come from `url`); "
        "may hold a password.",
    )
    owner_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    created_at: datetime = _created_at()
    updated_at: datetime = _created_at()


class CameraShare(SQLModel, table=True):
    __tablename__ = "camera_share"

    camera_id: int = Field(
        sa_column=Column(ForeignKey("camera.id", ondelete="CASCADE"), primary_key=True, nullable=False)
    )
    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    )
    role: ShareRole = Field(sa_type=EnumText(ShareRole))
    created_at: datetime = _created_at()


class Incident(SQLModel, table=True):
    __table_args__ = (Index("ix_incident_camera_started", "camera_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    camera_id: int = Field(sa_column=Column(ForeignKey("camera.id", ondelete="CASCADE"), nullable=False))
    label: str = Field(sa_type=String(64), index=True)
    confidence: float
    severity: Severity = Field(default=Severity.MEDIUM, sa_type=EnumText(Severity))
    status: IncidentStatus = Field(default=IncidentStatus.NEW, sa_type=EnumText(IncidentStatus), index=True)
    started_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    explanation: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    keep: bool = Field(default=False, description="Never deleted by retention.")
    acknowledged_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    )
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = _created_at()
    updated_at: datetime = _created_at()


class Artifact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(ForeignKey("incident.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    kind: ArtifactKind = Field(sa_type=EnumText(ArtifactKind))
    path: str = Field(sa_type=String(1024), description="Relative to the media folder.")
    media_type: str = Field(sa_type=String(64))
    bytes: int
    sha256: str = Field(sa_type=String(64))
    created_at: datetime = _created_at()


class IncidentSpeech(SQLModel, table=True):
    """What was said around an incident, transcribed from its camera: stored only with an incident."""

    __tablename__ = "incident_speech"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(
        sa_column=Column(ForeignKey("incident.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime = Field(sa_type=UTCDateTime)
    text: str = Field(sa_type=Text)
    conf: float = Field(description="The speech-to-text model's mean token probability.")
    source: str = Field(sa_type=String(64), description="The model, e.g. whisper-tiny-en.")
    created_at: datetime = _created_at()


class AlertRoute(SQLModel, table=True):
    """Who hears about which incidents, on which channel (`vigil.alerts.model.AlertRoute`, stored)."""

    __tablename__ = "alert_route"

    id: int | None = Field(default=None, primary_key=True)
    owner_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    name: str = Field(default="", sa_type=String(100))
    enabled: bool = True
    cameras: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    labels: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    min_confidence: float = 0.0
    schedule: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    timezone: str | None = Field(default=None, sa_type=String(64))
    channel: ChannelKind = Field(sa_type=EnumText(ChannelKind))
    target: str = Field(default="", sa_type=String(1024))
    webhook_secret: str = Field(default="", sa_type=String(256), description="Write-only: never returned.")
    cooldown_s: float = 300.0
    update_step: float = 0.1
    update_interval_s: float = 60.0
    max_updates: int = 3
    notify_close: bool = True
    created_at: datetime = _created_at()
    updated_at: datetime = _created_at()


class AlertDelivery(SQLModel, table=True):
    """One delivery of one incident update to one route: its state after the latest attempt."""

    __tablename__ = "alert_delivery"
    __table_args__ = (Index("ix_alert_delivery_incident_created", "incident_id", "created_at"),)

    id: str = Field(sa_type=String(32), primary_key=True)
    route_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("alert_route.id", ondelete="SET NULL"), index=True, nullable=True),
    )
    channel: ChannelKind = Field(sa_type=EnumText(ChannelKind))
    target: str = Field(sa_type=String(1024))
    incident_id: int = Field(sa_column=Column(ForeignKey("incident.id", ondelete="CASCADE"), nullable=False))
    update_kind: UpdateKind = Field(sa_type=EnumText(UpdateKind))
    status: DeliveryStatus = Field(sa_type=EnumText(DeliveryStatus), index=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=String(2000))
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    receipt: str | None = Field(default=None, sa_type=String(1000))


class AlertSettings(SQLModel, table=True):
    """The channel settings an administrator set in the dashboard (one row, id 1); the environment's win.
    `values` holds `vigil.alerts.stored.FIELDS` by name, secrets included: they are never returned."""

    __tablename__ = "alert_settings"

    id: int | None = Field(default=None, primary_key=True)
    values: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    )
    updated_at: datetime = _created_at()


class PushSubscription(SQLModel, table=True):
    """One browser or phone of one user that receives Web Push alerts (what `PushManager.subscribe` gave)."""

    __tablename__ = "push_subscription"

    id: int | None = Field(default=None, primary_key=True)
    user_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("user.id", ondelete="CASCADE"), index=True, nullable=False)
    )
    endpoint: str = Field(sa_column=Column(String(2048), unique=True, nullable=False))
    p256dh: str = Field(sa_type=String(128))
    auth: str = Field(sa_type=String(64))
    device: str = Field(default="", sa_type=String(200), description="What the user called this device.")
    created_at: datetime = _created_at()


class RuleSet(SQLModel, table=True):
    """One saved version of the fusion rules (YAML). The newest is the one the server runs."""

    __tablename__ = "rule_set"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(sa_type=String(64), description="The file's own `version:`.")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_by: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("user.id", ondelete="SET NULL"), nullable=True)
    )
    created_at: datetime = _created_at()


class BaselineBucket(SQLModel, table=True):
    """What one measure of a camera's activity usually is at one hour of the week (`vigil.anomaly`): the
    running statistics of the slots learned there, on the measure's transformed scale."""

    __tablename__ = "baseline_bucket"

    camera_id: int = Field(
        sa_column=Column(ForeignKey("camera.id", ondelete="CASCADE"), primary_key=True, nullable=False)
    )
    measure: str = Field(sa_type=String(160), primary_key=True)
    hour_of_week: int = Field(primary_key=True, description="0 = Monday 00:00-00:59, camera-local.")
    n: float
    mean: float
    m2: float
    accepted_low: float | None = Field(default=None, description="Marked normal by an operator (raw unit).")
    accepted_high: float | None = None
    updated_at: datetime = _created_at()


class BaselineDay(SQLModel, table=True):
    """A camera-local day a camera's baseline learned from ("learning, N of M days")."""

    __tablename__ = "baseline_day"

    camera_id: int = Field(
        sa_column=Column(ForeignKey("camera.id", ondelete="CASCADE"), primary_key=True, nullable=False)
    )
    day: int = Field(primary_key=True, description="date.toordinal() of the camera-local day.")


class ActivitySlot(SQLModel, table=True):
    """One measure of one slot of a camera's activity as judged: the value, the range expected then, and
    whether it was unusual. Kept for `ACTIVITY_KEEP_DAYS` (the dashboard's chart; marking an anomaly as
    normal reads the slots of the incident)."""

    __tablename__ = "activity_slot"
    __table_args__ = (Index("ix_activity_slot_camera_started", "camera_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    camera_id: int = Field(sa_column=Column(ForeignKey("camera.id", ondelete="CASCADE"), nullable=False))
    started_at: datetime = Field(sa_type=UTCDateTime)
    slot_s: float
    measure: str = Field(sa_type=String(160))
    hour_of_week: int
    value: float
    low: float | None = None
    mid: float | None = None
    high: float | None = None
    direction: str | None = Field(default=None, sa_type=String(8), description="high | low when unusual.")
