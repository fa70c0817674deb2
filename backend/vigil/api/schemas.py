"""What enters and leaves the API, per resource: Create / Update / Public shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, Self, TypeVar

from fastapi_users import schemas as fu_schemas
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from vigil.alerts.model import ActiveWindow
from vigil.db.incidents import ReviewFilter
from vigil.db.types import Id as Id  # re-exported: the API's shared types
from vigil.db.types import Offset as Offset
from vigil.domain import (
    ArtifactKind,
    CameraAccess,
    ChannelKind,
    DeliveryStatus,
    IncidentStatus,
    Role,
    Severity,
    ShareRole,
    SourceKind,
    UpdateKind,
)
from vigil.ingest.health import SourceState
from vigil.security.urls import control_character_problem
from vigil.tracking.zones import ZoneKind

T = TypeVar("T")

CameraName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _no_control_characters(url: str) -> str:
    problem = control_character_problem(url)
    if problem is not None:
        raise ValueError(f"the URL {problem}")
    return url


SourceUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048), AfterValidator(_no_control_characters)
]
AnalysisFps = Annotated[
    float, Field(gt=0, le=30, allow_inf_nan=False, description="Frames per second sent to the models.")
]

# Shared constraints of what clients send: `Id` and `Offset` (from db.types) fit the database's integers
# (ids 32-bit, offsets 64-bit); JSON's NaN, Infinity and 1e400 (read as infinity) are refused where a
# number is stored.
Seconds = Annotated[float, Field(ge=0, le=10 * 365 * 86_400, allow_inf_nan=False)]
MAX_UPDATES = 1000  # an alert route's updates per incident


class Page(BaseModel, Generic[T]):
    """Every list the API returns."""

    items: list[T]
    total: int = Field(description="Items matching the query, ignoring limit and offset.")


# --- users -------------------------------------------------------------------------------------------


class UserRead(fu_schemas.BaseUser[uuid.UUID]):
    role: Role
    created_at: datetime


class UserCreate(fu_schemas.BaseUserCreate):
    """Registration takes an email and a password; the role is not the registrant's to choose."""

    # not nullable (fastapi-users declares them so); registration ignores them
    is_active: bool = True
    is_superuser: bool = False
    is_verified: bool = False


class UserAdminCreate(BaseModel):
    """An account an administrator adds (how accounts are made when `VIGIL_OPEN_REGISTRATION=false`)."""

    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    password: str = Field(description="The rules of registration apply (length, not guessable).")
    role: Role = Role.VIEWER


class UserUpdate(fu_schemas.BaseUserUpdate):
    # fastapi-users declares these nullable, and null reached the database (a 500). Here they are left out
    # (unset: unchanged; the None default is never validated nor saved) or carry a value; null is a 422.
    email: EmailStr = Field(None, description="Leave out to keep it.")  # type: ignore[assignment]
    password: str = Field(None, description="Leave out to keep it.")  # type: ignore[assignment]
    is_active: bool = Field(None, description="Admins only.")  # type: ignore[assignment]
    is_superuser: bool = Field(None, description="Admins only.")  # type: ignore[assignment]
    is_verified: bool = Field(None, description="Admins only.")  # type: ignore[assignment]
    role: Role | None = Field(None, description="Admins only; `admin` also sets `is_superuser`.")
    current_password: str | None = Field(
        None, description="Your current password: needed to change your own password or email."
    )

    @model_validator(mode="after")
    def _role_and_superuser_agree(self) -> Self:
        """`is_superuser: true` alone makes an admin; `false` alone demotes an admin (to operator) and leaves
        anyone else's role as it is (the user manager decides, knowing the account)."""
        if self.role is not None:
            self.is_superuser = self.role is Role.ADMIN
        elif self.is_superuser:
            self.role = Role.ADMIN
        return self

    def create_update_dict(self) -> dict[str, Any]:
        safe: dict[str, Any] = super().create_update_dict()  # type: ignore[no-untyped-call]
        safe.pop("role", None)
        return safe


# --- cameras -----------------------------------------------------------------------------------------

Coordinate = Annotated[float, Field(ge=0, le=1)]


class ZoneSpec(BaseModel):
    """A zone of the camera's view: a polygon in frame coordinates (0..1 from the top-left corner). A person
    is in it when the bottom-centre of their box (where they stand) is inside."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    kind: ZoneKind = Field(
        description="`restricted`: nobody should be there; `loiter`: nobody should linger; `privacy`: a "
        "privacy mask, blacked out in snapshots, clips and the live view; no zone for tracking and fusion."
    )
    points: list[tuple[Coordinate, Coordinate]] = Field(
        min_length=3, max_length=64, description="[[x, y], ...], at least 3 corners, each 0..1."
    )
    loiter_s: float | None = Field(
        None,
        gt=0,
        le=86_400,
        allow_inf_nan=False,
        description="Dwell before loitering here; null: the default (60 s).",
    )
    closed_hours: list[ActiveWindow] = Field(
        default_factory=list,
        max_length=14,
        description="When this place is closed (a yard at night): a person here then is an intrusion. "
        "Without closed hours, only `restricted` zones raise intrusions.",
    )


def _unique_zone_names(zones: list[ZoneSpec]) -> list[ZoneSpec]:
    names = [zone.name for zone in zones]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"zone names must be unique: {', '.join(map(repr, repeated))} used more than once")
    return zones


Zones = Annotated[list[ZoneSpec], Field(max_length=32), AfterValidator(_unique_zone_names)]
PRIVACY_DESCRIPTION = "Blur faces in stored snapshots and clips."
DETECT_URL_DESCRIPTION = (
    "RTSP cameras: a lower-resolution substream of the same camera (its second profile), decoded and "
    "analysed instead of `url`, as Frigate's detect role; clips and sound still come from `url`, live view "
    "and snapshots from this stream. Empty: analyse `url`."
)
TRANSCRIBE_DESCRIPTION = (
    "Turn the camera's speech into text (words of distress become evidence). Off by default: what people "
    "say is kept only with an incident of the camera, and dropped otherwise."
)


class CameraBase(BaseModel):
    name: CameraName
    kind: SourceKind
    url: SourceUrl = Field(
        "",
        description="rtsp(s):// URL, absolute file path, `/dev/videoN` or index, empty for webrtc.",
    )
    analysis_fps: AnalysisFps = 5.0
    enabled: bool = True
    file_loop: bool = Field(True, description="File cameras: start again at the end.")
    file_realtime: bool = Field(
        True, description="File cameras: play at recorded speed, not as fast as possible."
    )
    zones: Zones = Field(
        default_factory=list, description="Restricted and loitering zones of the view, and privacy masks."
    )
    privacy: bool = Field(False, description=PRIVACY_DESCRIPTION)
    transcribe: bool = Field(False, description=TRANSCRIBE_DESCRIPTION)
    detect_url: SourceUrl = Field("", description=DETECT_URL_DESCRIPTION)


class CameraCreate(CameraBase):
    model_config = ConfigDict(extra="forbid")


class CameraUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: CameraName | None = None
    kind: SourceKind | None = None
    url: SourceUrl | None = Field(None, description="Sending back the masked URL keeps the stored password.")
    analysis_fps: AnalysisFps | None = None
    enabled: bool | None = None
    file_loop: bool | None = None
    file_realtime: bool | None = None
    zones: Zones | None = Field(None, description="Replaces every zone; [] removes them all.")
    privacy: bool | None = Field(None, description=PRIVACY_DESCRIPTION)
    transcribe: bool | None = Field(None, description=TRANSCRIBE_DESCRIPTION)
    detect_url: SourceUrl | None = Field(
        None, description='Sending back the masked URL keeps the stored password; "" removes the substream.'
    )


class CameraPublic(CameraBase):
    id: int
    owner_id: uuid.UUID
    access: CameraAccess = Field(description="What the current user may do with this camera.")
    created_at: datetime
    updated_at: datetime


class CameraProbe(BaseModel):
    """A source to test before it is saved (or changed)."""

    model_config = ConfigDict(extra="forbid")

    kind: SourceKind
    url: SourceUrl = ""
    camera_id: Id | None = Field(
        None,
        description="The camera being edited (you must manage it): a masked URL then keeps its stored "
        "password, and its privacy masks are blacked out in the still.",
    )
    stream: Literal["main", "detect"] = Field(
        "main",
        description="Which of the camera's streams `url` is: with `camera_id`, a masked URL keeps the stored "
        "password of that stream (`url` or `detect_url`).",
    )


class ProbeVideo(BaseModel):
    codec: str
    width: int
    height: int
    fps: float | None = Field(description="Frames per second the stream declares; null when it does not say.")


class ProbeAudio(BaseModel):
    codec: str
    sample_rate: int
    channels: int


class ProbeResult(BaseModel):
    reachable: bool = Field(description="A video frame was decoded.")
    error: str | None = Field(
        description="What went wrong, in words naming what to check; null when reachable."
    )
    elapsed_ms: int
    video: ProbeVideo | None
    audio: ProbeAudio | None
    snapshot_jpeg: str | None = Field(description="The first frame, base64 JPEG at most 640 px wide.")


class ShareCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    role: ShareRole = ShareRole.VIEWER


class SharePublic(BaseModel):
    user_id: uuid.UUID
    email: str
    role: ShareRole
    created_at: datetime


class CameraHealth(BaseModel):
    camera_id: int
    state: SourceState = Field(description="`ended`: a file camera that plays once has finished.")
    fps_in: float = 0.0
    fps_analysed: float = 0.0
    frames_dropped: int = 0
    last_frame_age_s: float | None = None
    reconnects: int = 0
    last_error: str | None = None
    analysis_restarts: int = Field(
        0, description="Times the server's analysis pool was replaced after a model worker died (any camera)."
    )
    fps_wanted: float = Field(0.0, description="The analysis rate the camera is set to (`analysis_fps`).")
    fps_unserved: float = Field(
        0.0,
        description="Frames a second the camera's sampler took but the busy analysis pool turned away "
        "(drop, never queue): above a fifth of `fps_wanted` the machine is at capacity (`analysis_behind`).",
    )
    analysis_behind: bool = Field(
        False, description="Streaming, but the machine cannot analyse this camera at its rate."
    )


# --- incidents and artifacts -------------------------------------------------------------------------


class ArtifactPublic(BaseModel):
    id: int
    incident_id: int
    kind: ArtifactKind
    media_type: str
    bytes: int
    sha256: str
    url: str = Field(description="Download path; needs the same authorization as the incident.")
    created_at: datetime


class SpeechPublic(BaseModel):
    """Words said around an incident, as the speech-to-text model heard them."""

    started_at: datetime
    ended_at: datetime
    text: str
    conf: float = Field(ge=0, le=1, description="The model's mean token probability.")
    source: str = Field(description="The speech-to-text model, e.g. whisper-tiny-en.")


class IncidentPublic(BaseModel):
    id: int
    camera_id: int
    label: str
    confidence: float = Field(ge=0, le=1)
    severity: Severity
    status: IncidentStatus
    started_at: datetime
    ended_at: datetime | None
    keep: bool
    acknowledged_by: uuid.UUID | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    summary: str = Field(
        "", description="The explanation in one line: each contributing term and its evidence."
    )

    @model_validator(mode="before")
    @classmethod
    def _summary_from_explanation(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("summary"):
            explanation = data.get("explanation") or {}
            data = {
                **data,
                "summary": str(explanation.get("summary", "")) if isinstance(explanation, dict) else "",
            }
        return data


class IncidentListItem(IncidentPublic):
    snapshot_url: str | None = Field(None, description="Its snapshot (a thumbnail for lists), if it has one.")


class IncidentReview(BaseModel):
    """Mark new incidents reviewed (acknowledged) in bulk: a selection (`ids`), or everything a filter
    matches (`filter`, `{}` for all), up to `up_to` (default: now). Incidents of cameras you may only view
    are left as they are."""

    model_config = ConfigDict(extra="forbid")

    ids: list[Id] | None = Field(None, min_length=1, max_length=500)
    filter: ReviewFilter | None = None
    up_to: AwareDatetime | None = Field(None, description="Only incidents that started by then.")

    @model_validator(mode="after")
    def _one_choice(self) -> Self:
        if (self.ids is None) == (self.filter is None):
            raise ValueError("give either `ids` or `filter`")
        return self


class IncidentReviewResult(BaseModel):
    reviewed: int = Field(description="How many new incidents became acknowledged.")


class IncidentDetail(IncidentPublic):
    explanation: dict[str, Any]
    artifacts: list[ArtifactPublic]
    transcript: list[SpeechPublic] = Field(
        default_factory=list,
        description="What was said around the incident (cameras with `transcribe` on); its audio is the "
        "`audio` artifact.",
    )


class IncidentChange(BaseModel):
    """The PATCH body of an incident (not fusion's `IncidentUpdate`, which the engine hands on)."""

    model_config = ConfigDict(extra="forbid")

    status: IncidentStatus | None = None
    keep: bool | None = Field(None, description="Kept incidents are never removed by retention.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str


# --- alert routes and deliveries ---------------------------------------------------------------------


class AlertRouteFields(BaseModel):
    """What a user sets on a route; see `docs/alerts.md` for how each one acts."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    enabled: bool = True
    cameras: list[Id] | None = Field(
        None,
        max_length=1000,
        description="Camera ids (each one you may see); null: every camera you may see, now or later.",
    )
    labels: list[Annotated[str, StringConstraints(max_length=64)]] | None = Field(
        None, description="Incident labels; null: every label."
    )
    min_confidence: float = Field(0.0, ge=0, le=1)
    schedule: list[ActiveWindow] = Field(
        default_factory=list, description='When active: `{start: "22:00", end: "06:00", days: [fri]}`.'
    )
    timezone: str | None = Field(None, max_length=64, description="IANA name; null: the server's.")
    channel: ChannelKind
    target: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1024)] = Field(
        "", description="E-mail addresses, an E.164 number, an http(s) URL or an MQTT topic prefix."
    )
    cooldown_s: Seconds = 300.0
    update_step: float = Field(0.1, gt=0, le=1)
    update_interval_s: Seconds = 60.0
    max_updates: int = Field(3, ge=0, le=MAX_UPDATES)
    notify_close: bool = True


WebhookSecret = Annotated[str, StringConstraints(max_length=256)]


class AlertRouteCreate(AlertRouteFields):
    model_config = ConfigDict(extra="forbid")

    webhook_secret: WebhookSecret = Field(
        "", description="Write-only: never returned. Webhooks: HMAC key; empty: the server's default."
    )


class AlertRouteUpdate(BaseModel):
    """Only the fields sent change; `webhook_secret` empty or absent keeps the stored one."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    enabled: bool | None = None
    cameras: list[Id] | None = Field(None, max_length=1000)
    labels: list[Annotated[str, StringConstraints(max_length=64)]] | None = None
    min_confidence: float | None = Field(None, ge=0, le=1)
    schedule: list[ActiveWindow] | None = None
    timezone: str | None = Field(None, max_length=64)
    channel: ChannelKind | None = None
    target: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1024)] | None = None
    webhook_secret: WebhookSecret | None = None
    cooldown_s: Seconds | None = None
    update_step: float | None = Field(None, gt=0, le=1)
    update_interval_s: Seconds | None = None
    max_updates: int | None = Field(None, ge=0, le=MAX_UPDATES)
    notify_close: bool | None = None


class AlertRoutePublic(AlertRouteFields):
    id: int
    owner_id: uuid.UUID
    has_webhook_secret: bool = Field(
        description="Whether the route has its own webhook secret (never shown)."
    )
    created_at: datetime
    updated_at: datetime


class AlertDeliveryPublic(BaseModel):
    id: str
    route_id: int | None = Field(description="null once the route is deleted.")
    incident_id: int
    channel: ChannelKind
    target: str | None = Field(description="Shown on your own routes' deliveries (all for admins).")
    update_kind: UpdateKind
    status: DeliveryStatus
    attempts: int
    last_error: str | None = Field(description="Shown like `target`.")
    receipt: str | None = Field(description="Shown like `target`.")
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None


# --- incident statistics -----------------------------------------------------------------------------


class IncidentStatsBucket(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    start: datetime = Field(description="Local start of the bucket, with the time zone's offset.")
    end: datetime = Field(description="Start of the next bucket (a local day lasts 23 to 25 hours).")
    counts: dict[str, int] = Field(description="Incidents that started in it, for every label of `labels`.")


class CameraIncidentCount(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    camera_id: int
    name: str
    count: int


class LabelIncidentCount(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    label: str
    count: int


class HourOfDayCounts(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    label: str
    counts: list[int] = Field(description="24 counts, per local hour from 0 to 23.")


class IncidentStats(BaseModel):
    """Incident counts of the cameras you may see, over a range in one time zone."""

    model_config = ConfigDict(from_attributes=True)

    since: datetime
    until: datetime
    bucket: Literal["hour", "day"]
    tz: str
    total: int
    labels: list[str] = Field(description="Every label counted, most frequent first.")
    buckets: list[IncidentStatsBucket] = Field(description="Every bucket of the range, empty ones too.")
    by_camera: list[CameraIncidentCount] = Field(description="Cameras with incidents, most first.")
    by_label: list[LabelIncidentCount]
    hour_of_day: list[HourOfDayCounts] = Field(description="Per label, by local hour of day.")


class ExpectedHour(BaseModel):
    """What the baseline expects of a measure in one hour of the day asked for (camera-local)."""

    hour: int = Field(ge=0, le=23)
    starts_at: datetime
    low: float
    mid: float
    high: float
    history: float = Field(description="The weight of slots (own and borrowed) the range rests on.")


class ActivityPoint(BaseModel):
    """One judged slot of a measure: what was seen, the range expected then, and whether it was unusual."""

    started_at: datetime
    slot_s: float
    value: float
    low: float | None
    mid: float | None
    high: float | None
    direction: Literal["high", "low"] | None = Field(description="high | low: unusual; null: usual.")


class ActivityMeasure(BaseModel):
    measure: str = Field(description="e.g. people, sound_level, dwell:Gate, direction:Gate:left")
    kind: str
    label: str = Field(description="The measure in words, e.g. 'time spent in zone Gate'.")
    unit: str
    zone: str | None
    expected: list[ExpectedHour]
    observed: list[ActivityPoint]


class BaselineLearning(BaseModel):
    enabled: bool = Field(description="Anomaly detection is on (VIGIL_ANOMALY_ENABLED).")
    days: int = Field(description="Days of history the camera's baseline has learned from.")
    days_needed: int = Field(description="Days before anomalies may fire (VIGIL_ANOMALY_MIN_DAYS).")
    learning: bool = Field(description="Still learning: nothing fires yet.")


class CameraActivity(BaseModel):
    camera_id: int
    day: date = Field(description="The camera-local day shown.")
    timezone: str
    slot_s: float
    learning: BaselineLearning
    measures: list[ActivityMeasure]


class MarkedNormal(BaseModel):
    incident: IncidentDetail
    absorbed: int = Field(description="How many unusual measures the baseline took in.")
