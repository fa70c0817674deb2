"""Alert routes (each user's own; admins see all) and delivery records, through one user's eyes.

A route covers only cameras its owner may see: `routes_for_dispatch` intersects every route's cameras
("every camera" included) with its owner's visible cameras, as they are at the time of the call.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from vigil.alerts.model import AlertRoute as RouteSpec
from vigil.alerts.model import DeliveryAttempt
from vigil.db.cameras import visible_camera_ids
from vigil.db.tables import AlertDelivery, AlertRoute, Incident, User
from vigil.db.types import utcnow
from vigil.domain import DeliveryStatus, Role


def spec_of(route: AlertRoute, cameras: Iterable[int] | None = None) -> RouteSpec:
    """The routing model of a stored route; `cameras` replaces the stored ones (the dispatch view)."""
    fields = route.model_dump(exclude={"owner_id", "created_at", "updated_at"})
    if cameras is not None:
        fields["cameras"] = tuple(sorted(cameras))
    return RouteSpec.model_validate(fields)


async def visible_camera_set(db: AsyncSession, user: User) -> set[int]:
    return {int(i) for i in (await db.scalars(visible_camera_ids(user))).all()}


async def list_visible(db: AsyncSession, user: User, limit: int, offset: int) -> tuple[list[AlertRoute], int]:
    """The user's own routes; an admin's list holds everyone's."""
    conditions: list[Any] = [] if user.role == Role.ADMIN else [col(AlertRoute.owner_id) == user.id]
    total = int(await db.scalar(select(func.count()).select_from(AlertRoute).where(*conditions)) or 0)
    rows = await db.scalars(
        select(AlertRoute).where(*conditions).order_by(col(AlertRoute.id)).limit(limit).offset(offset)
    )
    return list(rows.all()), total


async def get_visible(db: AsyncSession, user: User, route_id: int) -> AlertRoute | None:
    route = await db.get(AlertRoute, route_id)
    if route is None or (user.role != Role.ADMIN and route.owner_id != user.id):
        return None
    return route


async def create(db: AsyncSession, owner_id: uuid.UUID, fields: dict[str, Any]) -> AlertRoute:
    route = AlertRoute(**fields, owner_id=owner_id)
    db.add(route)
    await db.commit()
    await db.refresh(route)
    return route


async def update(db: AsyncSession, route: AlertRoute, changes: dict[str, Any]) -> AlertRoute:
    for name, value in changes.items():
        setattr(route, name, value)
    route.updated_at = utcnow()
    db.add(route)
    await db.commit()
    await db.refresh(route)
    return route


async def remove(db: AsyncSession, route: AlertRoute) -> None:
    await db.delete(route)
    await db.commit()


async def webhook_secrets(db: AsyncSession) -> list[str]:
    """Every route's own webhook secret (for the redactor of the delivery logs)."""
    rows = await db.scalars(select(AlertRoute.webhook_secret).where(col(AlertRoute.webhook_secret) != ""))
    return list(rows.all())


async def routes_for_dispatch(db: AsyncSession) -> tuple[RouteSpec, ...]:
    """Every enabled route of an active owner, its cameras cut down to those the owner may see now."""
    rows = (
        await db.execute(
            select(AlertRoute, User)
            .join(User, col(User.id) == AlertRoute.owner_id)
            .where(col(AlertRoute.enabled), col(User.is_active))
            .order_by(col(AlertRoute.id))
        )
    ).all()
    visible: dict[uuid.UUID, set[int]] = {}
    specs = []
    for route, owner in rows:
        if owner.id not in visible:
            visible[owner.id] = await visible_camera_set(db, owner)
        allowed = visible[owner.id]
        cameras = allowed if route.cameras is None else allowed & set(route.cameras)
        specs.append(spec_of(route, cameras))
    return tuple(specs)


# ---- deliveries ----


def _row_of(attempt: DeliveryAttempt) -> AlertDelivery:
    return AlertDelivery(
        id=attempt.id,
        route_id=attempt.route_id,
        channel=attempt.channel,
        target=attempt.target,
        incident_id=attempt.incident_id,
        update_kind=attempt.update_kind,
        status=attempt.status,
        attempts=attempt.attempts,
        last_error=attempt.last_error[:2000] if attempt.last_error else attempt.last_error,
        created_at=attempt.created_at,
        updated_at=attempt.updated_at,
        delivered_at=attempt.delivered_at,
        receipt=attempt.receipt[:1000] if attempt.receipt else attempt.receipt,
    )


def attempt_of(row: AlertDelivery) -> DeliveryAttempt:
    return DeliveryAttempt(
        id=row.id,
        route_id=row.route_id if row.route_id is not None else 0,
        channel=row.channel,
        target=row.target,
        incident_id=row.incident_id,
        update_kind=row.update_kind,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
        delivered_at=row.delivered_at,
        receipt=row.receipt,
    )


class SqlDeliveryLog:
    """`DeliveryLog` over the `alert_delivery` table: `save` inserts or replaces by id."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self.session_factory = session_factory

    async def save(self, attempt: DeliveryAttempt) -> None:
        async with self.session_factory() as db:
            row = _row_of(attempt)
            if row.route_id is not None and await db.get(AlertRoute, row.route_id) is None:
                row.route_id = None  # the route was deleted meanwhile; the record stays
            await db.merge(row)
            await db.commit()

    async def get(self, delivery_id: str) -> DeliveryAttempt | None:
        async with self.session_factory() as db:
            row = await db.get(AlertDelivery, delivery_id)
            return None if row is None else attempt_of(row)


async def list_deliveries(
    db: AsyncSession,
    user: User,
    *,
    incident_id: int | None,
    status: DeliveryStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[AlertDelivery, uuid.UUID | None]], int]:
    """Deliveries about incidents of cameras `user` may see, newest first, with their route's owner."""
    conditions: list[Any] = [
        col(AlertDelivery.incident_id).in_(
            select(Incident.id).where(col(Incident.camera_id).in_(visible_camera_ids(user)))
        )
    ]
    if incident_id is not None:
        conditions.append(col(AlertDelivery.incident_id) == incident_id)
    if status is not None:
        conditions.append(col(AlertDelivery.status) == status)
    total = int(await db.scalar(select(func.count()).select_from(AlertDelivery).where(*conditions)) or 0)
    rows = await db.execute(
        select(AlertDelivery, AlertRoute.owner_id)
        .outerjoin(AlertRoute, col(AlertRoute.id) == AlertDelivery.route_id)
        .where(*conditions)
        .order_by(col(AlertDelivery.created_at).desc(), col(AlertDelivery.id).desc())
        .limit(limit)
        .offset(offset)
    )
    return [(delivery, owner) for delivery, owner in rows.all()], total
