"""Incidents and their artifacts, filtered to the cameras a user may see."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from vigil.db.cameras import visible_camera_ids
from vigil.db.tables import Artifact, Incident, User
from vigil.db.types import utcnow
from vigil.domain import IncidentStatus

IncidentSort = Literal["-started_at", "started_at", "-confidence", "confidence"]


class IncidentFilter(BaseModel):
    """Filters, sort and page of an incident list (the query string of `GET /incidents`)."""

    model_config = ConfigDict(extra="forbid")

    camera_id: int | None = None
    label: str | None = Field(None, max_length=64)
    status: IncidentStatus | None = None
    since: datetime | None = Field(None, description="Started at or after (ISO 8601).")
    until: datetime | None = Field(None, description="Started before (ISO 8601).")
    min_confidence: float | None = Field(None, ge=0, le=1)
    sort: IncidentSort = "-started_at"
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


_SORT_COLUMNS: dict[str, Any] = {
    "started_at": col(Incident.started_at),
    "confidence": col(Incident.confidence),
}


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


async def list_visible(db: AsyncSession, user: User, query: IncidentFilter) -> tuple[list[Incident], int]:
    conditions: list[Any] = [col(Incident.camera_id).in_(visible_camera_ids(user))]
    if query.camera_id is not None:
        conditions.append(col(Incident.camera_id) == query.camera_id)
    if query.label:
        conditions.append(col(Incident.label) == query.label)
    if query.status is not None:
        conditions.append(col(Incident.status) == query.status)
    if query.since is not None:
        conditions.append(col(Incident.started_at) >= _utc(query.since))
    if query.until is not None:
        conditions.append(col(Incident.started_at) < _utc(query.until))
    if query.min_confidence is not None:
        conditions.append(col(Incident.confidence) >= query.min_confidence)
    total = int(await db.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0)
    column = _SORT_COLUMNS[query.sort.lstrip("-")]
    order = column.desc() if query.sort.startswith("-") else column.asc()
    id_order = col(Incident.id).desc() if query.sort.startswith("-") else col(Incident.id).asc()
    rows = await db.scalars(
        select(Incident).where(*conditions).order_by(order, id_order).limit(query.limit).offset(query.offset)
    )
    return list(rows.all()), total


async def add(db: AsyncSession, incident: Incident) -> Incident:
    db.add(incident)
    await db.commit()
    await db.refresh(incident)
    return incident


async def add_artifact(db: AsyncSession, artifact: Artifact) -> Artifact:
    db.add(artifact)
    await db.commit()
    await db.refresh(artifact)
    return artifact


async def artifacts_of(db: AsyncSession, incident_id: int) -> list[Artifact]:
    rows = await db.scalars(
        select(Artifact).where(col(Artifact.incident_id) == incident_id).order_by(col(Artifact.id))
    )
    return list(rows.all())


async def set_status(
    db: AsyncSession, incident: Incident, by: User, status: IncidentStatus | None, keep: bool | None
) -> Incident:
    now = utcnow()
    if status is not None and status != incident.status:
        if status is not IncidentStatus.NEW and incident.acknowledged_at is None:
            incident.acknowledged_at, incident.acknowledged_by = now, by.id
        incident.resolved_at = now if status is IncidentStatus.RESOLVED else None
        incident.status = status
    if keep is not None:
        incident.keep = keep
    incident.updated_at = now
    db.add(incident)
    await db.commit()
    await db.refresh(incident)
    return incident
