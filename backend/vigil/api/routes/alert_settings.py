"""Channel settings set from the dashboard (admins), which channels can send now and why not, and each
user's Web Push subscriptions.

Secrets are write-only: a response says `set: true/false`, never the value. A setting the environment
sets wins and cannot be changed here (`source: "environment"`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Response, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from vigil.alerts.channels.webpush import application_server_key, endpoint_problem
from vigil.alerts.live import AlertChannels, server_policy
from vigil.alerts.stored import FIELDS, SettingError, check_changes, view
from vigil.api.deps import AdminUser, AppSettings, CurrentUser, RuntimeDep, Session, not_found
from vigil.db import push as push_repo
from vigil.db.tables import PushSubscription, User
from vigil.db.types import Id
from vigil.domain import ChannelKind
from vigil.settings import Settings

settings_router = APIRouter(prefix="/settings/alerts", tags=["settings"])
channels_router = APIRouter(prefix="/alert-channels", tags=["alert-channels"])
push_router = APIRouter(prefix="/push", tags=["push"])


def get_alert_channels(rt: RuntimeDep) -> AlertChannels:
    return rt.alert_channels


Channels = Annotated[AlertChannels, Depends(get_alert_channels)]


# ---- shapes ----


class SettingFieldPublic(BaseModel):
    name: str = Field(description="The setting, as in `VIGIL_<NAME>` (e.g. smtp_host).")
    env: str = Field(description="The environment variable that wins over the stored value.")
    secret: bool = Field(description="Write-only: `value` is always null; `set` says whether one is set.")
    value: str | int | None = Field(description="The value in use (null for secrets).")
    set: bool
    source: Literal["environment", "dashboard", "default"] = Field(
        description="environment: set by the environment, cannot be changed here."
    )


class AlertSettingsPublic(BaseModel):
    fields: list[SettingFieldPublic]
    updated_at: datetime | None
    updated_by: str | None = Field(description="The administrator's e-mail, when known.")


Text = Annotated[str, StringConstraints(max_length=512)]


class AlertSettingsUpdate(BaseModel):
    """Only the fields sent change. "" removes a stored value (a secret too); null or absent keeps it."""

    model_config = ConfigDict(extra="forbid")

    smtp_host: Text | None = None
    smtp_port: int | Literal[""] | None = None
    smtp_security: Text | None = None
    smtp_username: Text | None = None
    smtp_password: Text | None = None
    smtp_sender: Text | None = None
    twilio_account_sid: Text | None = None
    twilio_auth_token: Text | None = None
    twilio_from: Text | None = None
    mqtt_url: Text | None = None
    mqtt_username: Text | None = None
    mqtt_password: Text | None = None
    mqtt_topic_prefix: Text | None = None
    webhook_secret: Text | None = None


class ChannelAvailability(BaseModel):
    kind: ChannelKind
    usable: bool = Field(description="A route on it can be saved and can send now.")
    reason: str | None = Field(description="Why it cannot (what to set), when not usable.")
    note: str | None = Field(description="What to know although it is usable.")


class PushKey(BaseModel):
    public_key: str = Field(
        description="VAPID public key: `applicationServerKey` of `pushManager.subscribe`."
    )


class PushKeys(BaseModel):
    p256dh: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{80,100}={0,2}$")]
    auth: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{16,32}={0,2}$")]


class PushSubscriptionCreate(BaseModel):
    """`PushSubscription.toJSON()` of the browser, and a name for the device."""

    endpoint: Annotated[str, StringConstraints(max_length=2048)]
    keys: PushKeys
    expirationTime: float | None = None  # noqa: N815  (the browser's own name)
    device: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class PushSubscriptionPublic(BaseModel):
    id: int
    endpoint_origin: str = Field(
        description="The push service (the endpoint's origin; the rest is a secret)."
    )
    device: str
    created_at: datetime


# ---- settings (admins) ----


def _invalid(field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"type": "value_error", "loc": ["body", field], "msg": message}],
    )


async def _public(db: Session, settings: Settings, channels: AlertChannels) -> AlertSettingsPublic:
    row = await push_repo.stored_settings(db)
    by = None
    if row is not None and row.updated_by is not None:
        user = await db.get(User, row.updated_by)
        by = user.email if user else None
    return AlertSettingsPublic(
        fields=[SettingFieldPublic(**asdict(v)) for v in view(settings, channels.stored)],
        updated_at=row.updated_at if row else None,
        updated_by=by,
    )


@settings_router.get("", name="get")
async def get_alert_settings(
    _: AdminUser, db: Session, settings: AppSettings, channels: Channels
) -> AlertSettingsPublic:
    """The channels' settings (administrators): values in use, secrets only as set or not, and where each
    comes from."""
    return await _public(db, settings, channels)


@settings_router.patch("", name="update")
async def update_alert_settings(
    body: AlertSettingsUpdate, admin: AdminUser, db: Session, settings: AppSettings, channels: Channels
) -> AlertSettingsPublic:
    """Change stored settings (administrators); the channels use them at once, without a restart."""
    changes = {
        name: value for name, value in body.model_dump(exclude_unset=True).items() if value is not None
    }
    try:
        checked = check_changes(changes, settings, server_policy(settings))
    except SettingError as error:
        raise _invalid(error.field, error.message) from None
    row = await push_repo.save_settings(db, checked, admin.id)
    channels.apply(row.values)
    return await _public(db, settings, channels)


async def load_stored(db: Session) -> dict[str, Any]:
    row = await push_repo.stored_settings(db)
    known = {f.name for f in FIELDS}
    return {k: v for k, v in (row.values if row else {}).items() if k in known}


# ---- which channels can send ----


def missing_settings(channel: ChannelKind, settings: Settings, route_secret: str = "") -> list[str]:
    """What this server lacks to send on `channel` (empty: it can), in the words of the settings page."""
    if channel is ChannelKind.EMAIL:
        return [] if settings.smtp_host else ["the SMTP server (VIGIL_SMTP_HOST)"]
    if channel is ChannelKind.SMS:
        present = {
            "the Twilio account SID (VIGIL_TWILIO_ACCOUNT_SID)": settings.twilio_account_sid,
            "the Twilio auth token (VIGIL_TWILIO_AUTH_TOKEN)": settings.twilio_auth_token.get_secret_value(),
            "the sender number (VIGIL_TWILIO_FROM)": settings.twilio_from,
        }
        return [name for name, value in present.items() if not value]
    if channel is ChannelKind.MQTT:
        return [] if settings.mqtt_url else ["the MQTT broker (VIGIL_MQTT_URL)"]
    if channel is ChannelKind.WEBPUSH:
        return []
    has_secret = route_secret or settings.webhook_secret.get_secret_value()
    return [] if has_secret else ["VIGIL_WEBHOOK_SECRET (or the route's own webhook_secret)"]


@channels_router.get("", name="list")
async def list_channels(user: CurrentUser, db: Session, channels: Channels) -> list[ChannelAvailability]:
    """Each channel: whether a route on it can send now, and what is missing if not (set by an
    administrator in Settings, or in the environment)."""
    effective = channels.effective
    result = []
    for kind in ChannelKind:
        missing = missing_settings(kind, effective, route_secret="x" if kind is ChannelKind.WEBHOOK else "")
        reason = (
            f"not configured: an administrator sets {', '.join(missing)} in Settings" if missing else None
        )
        note = None
        if kind is ChannelKind.WEBHOOK and not effective.webhook_secret.get_secret_value():
            note = "No server webhook secret is set: each webhook route needs its own secret."
        if kind is ChannelKind.WEBPUSH:
            count = await push_repo.count_for_user(db, user.id)
            note = (
                f"Notifications go to the {count} device(s) you turned them on for."
                if count
                else "No device of yours receives notifications yet: turn them on on this device first."
            )
        result.append(ChannelAvailability(kind=kind, usable=not missing, reason=reason, note=note))
    return result


# ---- Web Push subscriptions (each user's own) ----


def _origin(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")


def _subscription_public(row: PushSubscription) -> PushSubscriptionPublic:
    assert row.id is not None
    return PushSubscriptionPublic(
        id=row.id, endpoint_origin=_origin(row.endpoint), device=row.device, created_at=row.created_at
    )


@push_router.get("/key", name="key")
async def push_key(channels: Channels) -> PushKey:
    """This server's VAPID public key (made on first use, kept in the data folder)."""
    if channels.push is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="PUSH_UNAVAILABLE")
    return PushKey(public_key=application_server_key(channels.push.key))


@push_router.get("/subscriptions", name="list")
async def list_subscriptions(user: CurrentUser, db: Session) -> list[PushSubscriptionPublic]:
    """Your devices that receive Web Push alerts."""
    return [_subscription_public(r) for r in await push_repo.list_for_user(db, user.id)]


@push_router.post("/subscriptions", name="create", status_code=status.HTTP_201_CREATED)
async def create_subscription(
    body: PushSubscriptionCreate, user: CurrentUser, db: Session, settings: AppSettings, response: Response
) -> PushSubscriptionPublic:
    """This device receives your Web Push alert routes from now on. The push service's address must pass
    the outbound policy (public addresses only, unless `VIGIL_OUTBOUND_ALLOW_PUSH` allows others)."""
    problem = endpoint_problem(body.endpoint, settings.push_outbound())
    if problem is not None:
        raise _invalid("endpoint", problem)
    mine = await push_repo.list_for_user(db, user.id)
    if len(mine) >= push_repo.MAX_SUBSCRIPTIONS_PER_USER and all(r.endpoint != body.endpoint for r in mine):
        raise _invalid(
            "endpoint", f"at most {push_repo.MAX_SUBSCRIPTIONS_PER_USER} devices per user: remove one first"
        )
    row, created = await push_repo.subscribe(
        db, user.id, body.endpoint, body.keys.p256dh, body.keys.auth, body.device
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _subscription_public(row)


@push_router.delete("/subscriptions/{subscription_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subscription(subscription_id: Id, user: CurrentUser, db: Session) -> Response:
    """This device no longer receives your alerts (someone else's subscription is a 404)."""
    if not await push_repo.unsubscribe(db, user.id, subscription_id):
        raise not_found("PUSH_SUBSCRIPTION_NOT_FOUND")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
