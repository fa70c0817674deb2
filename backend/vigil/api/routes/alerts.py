"""Alert routes (who hears about which incidents, how) and the record of every delivery."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import ValidationError

from vigil.alerts.channels.webhook import target_problem
from vigil.alerts.model import AlertRoute as RouteSpec
from vigil.alerts.model import ChannelKind, DeliveryStatus
from vigil.api.deps import AppSettings, CurrentUser, Session, forbidden, not_found
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
from vigil.domain import Role
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


def missing_settings(channel: ChannelKind, settings: Settings, route_secret: str) -> list[str]:
    """The settings this server lacks to send on `channel` (empty: it can)."""
    if channel is ChannelKind.EMAIL:
        return [] if settings.smtp_host else ["VIGIL_SMTP_HOST"]
    if channel is ChannelKind.SMS:
        present = {
            "VIGIL_TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
            "VIGIL_TWILIO_AUTH_TOKEN": settings.twilio_auth_token.get_secret_value(),
            "VIGIL_TWILIO_FROM": settings.twilio_from,
        }
        return [name for name, value in present.items() if not value]
    if channel is ChannelKind.MQTT:
        return [] if settings.mqtt_url else ["VIGIL_MQTT_URL"]
    has_secret = route_secret or settings.webhook_secret.get_secret_value()
    return [] if has_secret else ["VIGIL_WEBHOOK_SECRET (or the route's own webhook_secret)"]


def _validated(fields: dict[str, Any], settings: Settings) -> RouteSpec:
    """The route as the router will see it; any problem is a 422 naming the field."""
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
    missing = missing_settings(spec.channel, settings, spec.webhook_secret)
    if missing:
        raise _invalid(
            "channel",
            f"{spec.channel.value} alerts are not configured on this server: set {', '.join(missing)}",
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
    body: AlertRouteCreate, user: RouteCreator, db: Session, settings: AppSettings
) -> AlertRoutePublic:
    """A route of yours (operators and admins); it only ever covers cameras you may see."""
    fields = body.model_dump()
    fields["timezone"] = _validated(fields, settings).timezone  # "" is stored as null
    await _check_cameras(db, user, body.cameras)
    route = await alert_repo.create(db, user.id, fields)
    return _public(route)


@router.get("/{route_id}", name="get")
async def get_route(route: VisibleRoute) -> AlertRoutePublic:
    return _public(route)


@router.patch("/{route_id}", name="update")
async def update_route(
    body: AlertRouteUpdate, route: VisibleRoute, db: Session, settings: AppSettings
) -> AlertRoutePublic:
    """Change a route (its owner or an admin). An empty `webhook_secret` keeps the stored one."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    for required in _REQUIRED:
        if required in changes and changes[required] is None:
            raise _invalid(required, "may not be null")
    if not changes.get("webhook_secret"):
        changes.pop("webhook_secret", None)
    stored = route.model_dump(exclude={"id", "owner_id", "created_at", "updated_at"})
    spec = _validated({**stored, **changes}, settings)
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
