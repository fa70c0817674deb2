"""Saved versions of the fusion rules."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from vigil.db.tables import RuleSet


async def latest(db: AsyncSession) -> RuleSet | None:
    return (await db.scalars(select(RuleSet).order_by(col(RuleSet.id).desc()).limit(1))).first()


async def history(db: AsyncSession, limit: int, offset: int) -> list[RuleSet]:
    rows = await db.scalars(select(RuleSet).order_by(col(RuleSet.id).desc()).limit(limit).offset(offset))
    return list(rows.all())


async def save(db: AsyncSession, version: str, text: str, by: uuid.UUID | None) -> RuleSet:
    saved = RuleSet(version=version, text=text, created_by=by)
    db.add(saved)
    await db.commit()
    await db.refresh(saved)
    return saved
