"""Stored channel settings (one row) and each user's Web Push subscriptions."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from vigil.alerts.channels.webpush import PushSubscription as Subscription
from vigil.db.tables import AlertRoute, AlertSettings, PushSubscription, User
from vigil.db.types import utcnow

SETTINGS_ROW = 1
MAX_SUBSCRIPTIONS_PER_USER = 20


async def stored_settings(db: AsyncSession) -> AlertSettings | None:
    return await db.get(AlertSettings, SETTINGS_ROW)


async def save_settings(db: AsyncSession, changes: Mapping[str, Any], by: uuid.UUID) -> AlertSettings:
    """Apply `changes` (None: forget the stored value) to the stored row, made on first use."""
    row = await db.get(AlertSettings, SETTINGS_ROW) or AlertSettings(id=SETTINGS_ROW, values={})
    values = dict(row.values)
    for name, value in changes.items():
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    row.values = values  # a new dict: the JSON column sees the change
    row.updated_by = by
    row.updated_at = utcnow()
    db.add(row)
    await db.commit()
    await db.refresh(row)
    return row


async def list_for_user(db: AsyncSession, user_id: uuid.UUID) -> list[PushSubscription]:
    rows = await db.scalars(
        select(PushSubscription)
        .where(col(PushSubscription.user_id) == user_id)
        .order_by(col(PushSubscription.id))
    )
    return list(rows.all())


async def count_for_user(db: AsyncSession, user_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(PushSubscription).where(col(PushSubscription.user_id) == user_id)
    return int(await db.scalar(query) or 0)


async def subscribe(
    db: AsyncSession, user_id: uuid.UUID, endpoint: str, p256dh: str, auth: str, device: str
) -> tuple[PushSubscription, bool]:
    """(the subscription, created). The same endpoint again replaces its keys and owner: a browser that
    signed in as someone else now gets that user's notifications, not the previous one's."""
    row = (
        await db.scalars(select(PushSubscription).where(col(PushSubscription.endpoint) == endpoint))
    ).first()
    created = row is None
    if row is None:
        row = PushSubscription(user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth, device=device)
    else:
        row.user_id, row.p256dh, row.auth, row.device = user_id, p256dh, auth, device
    db.add(row)
    await db.commit()
    await db.refresh(row)
    return row, created


async def unsubscribe(db: AsyncSession, user_id: uuid.UUID, subscription_id: int) -> bool:
    result = await db.execute(
        delete(PushSubscription).where(
            col(PushSubscription.id) == subscription_id, col(PushSubscription.user_id) == user_id
        )
    )
    await db.commit()
    return bool(getattr(result, "rowcount", 0))


class PushDirectory:
    """What the Web Push channel asks the database: a route's owner's subscriptions, and forgetting one."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = session_factory

    async def subscriptions_of(self, route_id: int) -> list[Subscription]:
        async with self._sessions() as db:
            rows = await db.scalars(
                select(PushSubscription)
                .join(AlertRoute, col(AlertRoute.owner_id) == PushSubscription.user_id)
                .join(User, col(User.id) == PushSubscription.user_id)
                .where(col(AlertRoute.id) == route_id, col(User.is_active))
                .order_by(col(PushSubscription.id))
            )
            return [Subscription(r.id or 0, r.endpoint, r.p256dh, r.auth) for r in rows.all()]

    async def forget(self, subscription_id: int) -> None:
        async with self._sessions() as db:
            await db.execute(delete(PushSubscription).where(col(PushSubscription.id) == subscription_id))
            await db.commit()
