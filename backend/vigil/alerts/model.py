"""What an alert is: routes (who hears about what), messages (what they hear) and delivery records."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vigil.domain import ChannelKind, DeliveryStatus, Severity, UpdateKind
from vigil.fusion.model import IncidentUpdate
from vigil.schedule import check_time_of_day, check_weekdays, in_window

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
MQTT_PREFIX = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActiveWindow(_Strict):
    """When a route is active: [start, end) in the route's time zone; the range may wrap midnight."""

    start: str
    end: str
    days: tuple[str, ...] | None = None  # the days the range starts on (mon..sun); None: every day

    @field_validator("start", "end", mode="before")
    @classmethod
    def _time_of_day(cls, value: object) -> object:
        return check_time_of_day(value)

    @field_validator("days")
    @classmethod
    def _weekdays(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return check_weekdays(value)

    def contains(self, local: datetime) -> bool:
        """A wrapping range (22:00–06:00) belongs to the day it starts on."""
        return in_window(self.start, self.end, self.days, local.hour * 60 + local.minute, local.weekday())


class AlertRoute(_Strict):
    """Which incidents go to which channel and target, and how often.

    `target` is per channel: e-mail addresses (comma-separated), an E.164 phone number, an http(s) URL,
    an MQTT topic prefix (empty: the configured prefix, `vigil`), or empty for Web Push (the route
    owner's subscribed devices).
    """

    id: int
    name: str = ""
    enabled: bool = True
    cameras: tuple[int, ...] | None = None  # None: every camera
    labels: tuple[str, ...] | None = None  # None: every incident label
    min_confidence: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0
    schedule: tuple[ActiveWindow, ...] = ()  # empty: always active
    timezone: str | None = None  # IANA name for `schedule`; None: the server's local time
    channel: ChannelKind
    target: str = ""
    webhook_secret: str = Field("", repr=False)  # webhook: HMAC key; empty: the configured default
    cooldown_s: Annotated[float, Field(ge=0.0)] = 300.0  # a new incident this soon after an alert is folded
    update_step: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1  # confidence rise that is worth an update
    update_interval_s: Annotated[float, Field(ge=0.0)] = 60.0  # at most one update this often
    max_updates: Annotated[int, Field(ge=0)] = 3  # per incident
    notify_close: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as error:
                raise ValueError(f"unknown time zone {value!r} (an IANA name like 'Europe/Paris')") from error
        return value or None

    @model_validator(mode="after")
    def _target_fits_channel(self) -> AlertRoute:
        target = self.target.strip()
        if self.channel is ChannelKind.EMAIL:
            addresses = [a.strip() for a in target.split(",") if a.strip()]
            if not addresses or not all(EMAIL.match(a) for a in addresses):
                raise ValueError(f"an email route's target is one or more addresses, got {target!r}")
        elif self.channel is ChannelKind.SMS:
            if not E164.match(target):
                raise ValueError(
                    f"an sms route's target is an E.164 number like +15551234567, got {target!r}"
                )
        elif self.channel is ChannelKind.WEBHOOK:
            if not target.startswith(("http://", "https://")):
                raise ValueError(f"a webhook route's target is an http(s) URL, got {target!r}")
        elif self.channel is ChannelKind.WEBPUSH:
            if target:
                raise ValueError(
                    "a webpush route goes to its owner's subscribed devices: leave the target empty"
                )
        elif target and not MQTT_PREFIX.match(target):
            raise ValueError(
                f"an mqtt route's target is a topic prefix like 'vigil' or 'home/vigil', got {target!r}"
            )
        return self

    def is_active(self, at: datetime) -> bool:
        if not self.schedule:
            return True
        local = at.astimezone(ZoneInfo(self.timezone)) if self.timezone else at.astimezone()
        return any(window.contains(local) for window in self.schedule)


def camera_slug(name: str, camera_id: int) -> str:
    """A topic-safe camera name: `Front Door` → `front_door`; nothing usable → `camera_<id>`."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return slug or f"camera_{camera_id}"


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """What every channel says about one incident update; built once, sent to each route."""

    kind: UpdateKind
    incident_id: int
    camera_id: int
    camera_name: str
    camera_slug: str
    label: str
    severity: Severity
    confidence: float
    rule: str
    summary: str  # the explanation in one line
    incident_url: str
    occurred_at: datetime  # wall clock, aware
    started_s: float  # camera clock
    ended_s: float | None
    snapshot_jpeg: bytes | None = field(default=None, repr=False)

    @classmethod
    def from_update(
        cls,
        update: IncidentUpdate,
        *,
        camera_name: str,
        incident_url: str,
        snapshot_jpeg: bytes | None = None,
        incident_id: int | None = None,
        occurred_at: datetime | None = None,
    ) -> AlertMessage:
        """`incident_id`: the stored incident's id when it differs from the engine's."""
        return cls(
            kind=update.kind,
            incident_id=update.incident_id if incident_id is None else incident_id,
            camera_id=update.camera_id,
            camera_name=camera_name,
            camera_slug=camera_slug(camera_name, update.camera_id),
            label=update.label,
            severity=update.severity,
            confidence=update.confidence,
            rule=update.rule,
            summary=update.explanation.summary(),
            incident_url=incident_url,
            occurred_at=occurred_at or datetime.now(UTC),
            started_s=update.started_s,
            ended_s=update.ended_s,
            snapshot_jpeg=snapshot_jpeg,
        )

    @property
    def headline(self) -> str:
        """`Fight on Front door (87 %)`, with `ended` for a closed incident."""
        what = self.label.replace("_", " ").capitalize()
        state = {UpdateKind.OPENED: "", UpdateKind.UPDATED: " (update)", UpdateKind.CLOSED: " ended"}
        return f"{what}{state[self.kind]} on {self.camera_name} ({self.confidence:.0%})"

    def as_json(self) -> dict[str, Any]:
        """The JSON every machine-facing channel (webhook, MQTT) sends; no image bytes."""
        return {
            "event": f"incident.{self.kind.value}",
            "incident": {
                "id": self.incident_id,
                "label": self.label,
                "severity": self.severity.value,
                "confidence": round(self.confidence, 4),
                "rule": self.rule,
                "summary": self.summary,
                "url": self.incident_url,
                "started_s": self.started_s,
                "ended_s": self.ended_s,
            },
            "camera": {"id": self.camera_id, "name": self.camera_name, "slug": self.camera_slug},
            "occurred_at": self.occurred_at.isoformat(),
            "has_snapshot": self.snapshot_jpeg is not None,
        }


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One delivery of one message to one route: its state after the latest attempt."""

    id: str
    route_id: int
    channel: ChannelKind
    target: str
    incident_id: int
    update_kind: UpdateKind
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None = None
    receipt: str | None = None  # the channel's id for what it sent (SMTP reply, Twilio SID, HTTP status)

    @classmethod
    def new(cls, route: AlertRoute, message: AlertMessage, now: datetime | None = None) -> DeliveryAttempt:
        now = now or datetime.now(UTC)
        return cls(
            id=uuid.uuid4().hex,
            route_id=route.id,
            channel=route.channel,
            target=route.target,
            incident_id=message.incident_id,
            update_kind=message.kind,
            status=DeliveryStatus.PENDING,
            attempts=0,
            last_error=None,
            created_at=now,
            updated_at=now,
        )

    def succeeded(self, receipt: str, now: datetime | None = None) -> DeliveryAttempt:
        now = now or datetime.now(UTC)
        return replace(
            self,
            status=DeliveryStatus.DELIVERED,
            attempts=self.attempts + 1,
            last_error=None,
            updated_at=now,
            delivered_at=now,
            receipt=receipt,
        )

    def failed(self, error: str, *, final: bool, now: datetime | None = None) -> DeliveryAttempt:
        return replace(
            self,
            status=DeliveryStatus.FAILED if final else DeliveryStatus.RETRYING,
            attempts=self.attempts + 1,
            last_error=error,
            updated_at=now or datetime.now(UTC),
        )
