"""Alert routes (who hears about which incidents, how) and the record of every delivery."""

from __future__ import annotations

import asyncio
import math
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, Field, ValidationError

from vigil.alerts.channels import DeliveryError
from vigil.alerts.channels.webhook import target_problem
from vigil.alerts.config import public_url
from vigil.alerts.delivery import Redactor
from vigil.alerts.model import AlertMessage
from vigil.alerts.model import AlertRoute as RouteSpec
from vigil.api.deps import AppSettings, CurrentUser, RuntimeDep, Session, forbidden, not_found
from vigil.api.routes.alert_settings import Channels, missing_settings
from vigil.api.schemas import (
    AlertDeliveryPublic,
    AlertRouteCreate,
    AlertRoutePublic,
    AlertRouteUpdate,
    Id,
    Offset,
    Page,
)
from vigil.db import alerts as alert_repo
from vigil.db.tables import AlertDelivery, AlertRoute, User
from vigil.domain import ChannelKind, DeliveryStatus, Role, Severity, UpdateKind
from vigil.security.ratelimit import SlidingWindowLimiter
from vigil.settings import Settings

router = APIRouter(prefix="/alert-routes", tags=["alert-routes"])
deliveries_router = APIRouter(prefix="/alert-deliveries", tags=["alert-deliveries"])

# every field a route must have a value for (PATCH may not set them to null)
_REQUIRED = (
    "name",
    "enabled",
    "min_confidence",
    "schedule",
    "channel",
    "target",
    "cooldown_s",
    "update_step",
    "update_interval_s",
    "max_updates",
    "notify_close",
)


def _invalid(field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"type": "value_error", "loc": ["body", field], "msg": message}],
    )


def _validated(fields: dict[str, Any], settings: Settings, effective: Settings) -> RouteSpec:
    """The route as the router will see it; any problem is a 422 naming the field. `effective`: the
    settings the channels use (the environment's with the stored ones)."""
    try:
        spec = RouteSpec.model_validate({**fields, "id": 0})
    except ValidationError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[
                {
                    "type": e["type"],
                    # the one model-level check is the target's fit to the channel
                    "loc": ["body", *(str(part) for part in e["loc"] or ("target",))],
                    "msg": e["msg"],
                }
                for e in error.errors()
            ],
        ) from None
    if spec.channel is ChannelKind.WEBHOOK:
        problem = target_problem(spec.target.strip(), settings.webhook_outbound())
        if problem is not None:
            raise _invalid("target", problem)
    missing = missing_settings(spec.channel, effective, spec.webhook_secret)
    if missing:
        raise _invalid(
            "channel",
            f"{spec.channel.value} alerts are not configured on this server: an administrator sets "
            f"{', '.join(missing)} in Settings",
        )
    return spec


async def _check_cameras(db: Session, owner: User, cameras: list[int] | None) -> None:
    if cameras is None:
        return
    unknown = sorted(set(cameras) - await alert_repo.visible_camera_set(db, owner))
    if unknown:
        raise _invalid(
            "cameras", f"cameras {unknown} are not cameras the route's owner may see (or do not exist)"
        )


def _public(route: AlertRoute) -> AlertRoutePublic:
    fields = route.model_dump(exclude={"webhook_secret"})
    return AlertRoutePublic(**fields, has_webhook_secret=bool(route.webhook_secret))


async def route_creator(user: CurrentUser) -> User:
    if user.role not in (Role.ADMIN, Role.OPERATOR):
        raise forbidden("ROLE_CANNOT_ADD_ALERT_ROUTES")
    return user


RouteCreator = Annotated[User, Depends(route_creator)]


async def visible_route(route_id: Id, user: CurrentUser, db: Session) -> AlertRoute:
    route = await alert_repo.get_visible(db, user, route_id)
    if route is None:
        raise not_found("ALERT_ROUTE_NOT_FOUND")
    return route


VisibleRoute = Annotated[AlertRoute, Depends(visible_route)]


@router.get("", name="list")
async def list_routes(
    user: CurrentUser,
    db: Session,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
) -> Page[AlertRoutePublic]:
    """Your alert routes (admins: everyone's)."""
    routes, total = await alert_repo.list_visible(db, user, limit, offset)
    return Page(items=[_public(r) for r in routes], total=total)


@router.post("", name="create", status_code=status.HTTP_201_CREATED)
async def create_route(
    body: AlertRouteCreate, user: RouteCreator, db: Session, settings: AppSettings, channels: Channels
) -> AlertRoutePublic:
    """A route of yours (operators and admins); it only ever covers cameras you may see."""
    fields = body.model_dump()
    fields["timezone"] = _validated(fields, settings, channels.effective).timezone  # "" is stored as null
    await _check_cameras(db, user, body.cameras)
    route = await alert_repo.create(db, user.id, fields)
    return _public(route)


@router.get("/{route_id}", name="get")
async def get_route(route: VisibleRoute) -> AlertRoutePublic:
    return _public(route)


@router.patch("/{route_id}", name="update")
async def update_route(
    body: AlertRouteUpdate, route: VisibleRoute, db: Session, settings: AppSettings, channels: Channels
) -> AlertRoutePublic:
    """Change a route (its owner or an admin). An empty `webhook_secret` keeps the stored one."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    for required in _REQUIRED:
        if required in changes and changes[required] is None:
            raise _invalid(required, "may not be null")
    if not changes.get("webhook_secret"):
        changes.pop("webhook_secret", None)
    stored = route.model_dump(exclude={"id", "owner_id", "created_at", "updated_at"})
    spec = _validated({**stored, **changes}, settings, channels.effective)
    if "timezone" in changes:
        changes["timezone"] = spec.timezone
    if "cameras" in changes:
        owner = await db.get(User, route.owner_id)
        assert owner is not None
        await _check_cameras(db, owner, changes["cameras"])
    return _public(await alert_repo.update(db, route, changes))


@router.delete("/{route_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_route(route: VisibleRoute, db: Session) -> Response:
    """Its deliveries stay on record, without the route."""
    await alert_repo.remove(db, route)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class TestAlertResult(BaseModel):
    delivered: bool
    outcome: str = Field(description="What happened, in words: the channel's receipt or why it failed.")


TEST_ALERTS_PER_MINUTE = 5  # a test reaches a real inbox or phone (and costs an SMS)
TEST_ALERT_TIMEOUT_S = 30.0


def trial_message(route: AlertRoute, user: User, base_url: str) -> AlertMessage:
    """A message that says it is a test, through the route's own channel and target."""
    return AlertMessage(
        kind=UpdateKind.OPENED,
        incident_id=0,
        camera_id=0,
        camera_name="Test",
        camera_slug="test",
        label="test_alert",
        severity=Severity.LOW,
        confidence=1.0,
        rule="test",
        summary=f"A test alert sent by {user.email} from the dashboard: route {route.name or route.id} "
        "works.",
        incident_url=f"{base_url}/alerts",
        occurred_at=datetime.now(UTC),
        started_s=0.0,
        ended_s=None,
    )


def trial_limits(rt: RuntimeDep) -> SlidingWindowLimiter:
    """Per user, `TEST_ALERTS_PER_MINUTE` (made in `create_app`)."""
    return rt.test_alert_limits


@router.post(
    "/{route_id}/test",
    name="test",
    responses={429: {"description": "TEST_ALERT_RATE_LIMITED: see the Retry-After header."}},
)
async def send_test_alert(
    route: VisibleRoute,
    user: CurrentUser,
    settings: AppSettings,
    channels: Channels,
    limits: Annotated[SlidingWindowLimiter, Depends(trial_limits)],
) -> TestAlertResult:
    """Send a test alert through this route now (its owner or an admin; a few a minute) and say what
    happened. It is not recorded in the delivery log (it is about no incident)."""
    key = str(user.id)
    wait_s = limits.retry_after_s(key)
    if wait_s > 0:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="TEST_ALERT_RATE_LIMITED",
            headers={"Retry-After": str(max(1, math.ceil(wait_s)))},
        )
    limits.record(key)
    spec = alert_repo.spec_of(route)
    channel = channels.channels.get(spec.channel)
    message = trial_message(route, user, public_url(settings))
    try:
        if channel is None:
            raise DeliveryError(f"no {spec.channel.value} channel in this process")
        receipt = await asyncio.wait_for(
            channel.send(message, spec, f"test-{uuid.uuid4().hex}"), TEST_ALERT_TIMEOUT_S
        )
    except DeliveryError as error:
        words, delivered = f"Not sent: {error.reason}", False
    except TimeoutError:
        words, delivered = f"Not sent: no result within {TEST_ALERT_TIMEOUT_S:g} s", False
    else:
        words, delivered = f"Sent: {receipt}", True
    own_secret = Redactor((spec.webhook_secret,))
    return TestAlertResult(delivered=delivered, outcome=own_secret(channels.redact(words)))


def _delivery_public(delivery: AlertDelivery, route_owner: object, user: User) -> AlertDeliveryPublic:
    mine = user.role == Role.ADMIN or (route_owner is not None and route_owner == user.id)
    fields = delivery.model_dump()
    if not mine:  # someone else's route: where it went and what the channel said are theirs
        fields.update(target=None, last_error=None, receipt=None)
    return AlertDeliveryPublic(**fields)


@deliveries_router.get("", name="list")
async def list_deliveries(
    user: CurrentUser,
    db: Session,
    incident_id: Id | None = None,
    status_is: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[Offset, Query()] = 0,
) -> Page[AlertDeliveryPublic]:
    """Alert deliveries about incidents you may see, newest first."""
    rows, total = await alert_repo.list_deliveries(
        db, user, incident_id=incident_id, status=status_is, limit=limit, offset=offset
    )
    return Page(items=[_delivery_public(d, owner, user) for d, owner in rows], total=total)
