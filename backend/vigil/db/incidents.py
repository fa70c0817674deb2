"""Incidents and their artifacts, filtered to the cameras a user may see."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from vigil.db.cameras import visible_camera_ids
from vigil.db.tables import Artifact, Camera, Incident, User
from vigil.db.types import utcnow
from vigil.domain import IncidentStatus
from vigil.incidents.stats import BucketSize, StatsRow, known_zone

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


class IncidentStatsQuery(BaseModel):
    """The query string of `GET /incidents/stats`: a range, a bucket size, a time zone, filters."""

    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime | None = Field(
        None, description="Started at or after (ISO 8601 with offset); default: 7 days before `until`."
    )
    until: AwareDatetime | None = Field(
        None, description="Started before (ISO 8601 with offset); default: now."
    )
    bucket: BucketSize = Field("day", description="`hour` or `day`, on the wall clock of `tz`.")
    tz: str = Field("UTC", max_length=64, description="IANA time zone of buckets and hours of day.")
    camera_id: int | None = None
    label: str | None = Field(None, max_length=64)
    min_confidence: float | None = Field(None, ge=0, le=1)

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        known_zone(value)
        return value


def _visible_where(
    user: User,
    *,
    camera_id: int | None = None,
    label: str | None = None,
    status: IncidentStatus | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_confidence: float | None = None,
) -> list[Any]:
    """Conditions on incidents of the cameras `user` may see, narrowed by the filters that are set."""
    conditions: list[Any] = [col(Incident.camera_id).in_(visible_camera_ids(user))]
    if camera_id is not None:
        conditions.append(col(Incident.camera_id) == camera_id)
    if label:
        conditions.append(col(Incident.label) == label)
    if status is not None:
        conditions.append(col(Incident.status) == status)
    if since is not None:
        conditions.append(col(Incident.started_at) >= _utc(since))
    if until is not None:
        conditions.append(col(Incident.started_at) < _utc(until))
    if min_confidence is not None:
        conditions.append(col(Incident.confidence) >= min_confidence)
    return conditions


async def list_visible(db: AsyncSession, user: User, query: IncidentFilter) -> tuple[list[Incident], int]:
    conditions = _visible_where(
        user,
        camera_id=query.camera_id,
        label=query.label,
        status=query.status,
        since=query.since,
        until=query.until,
        min_confidence=query.min_confidence,
    )
    total = int(await db.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0)
    column = _SORT_COLUMNS[query.sort.lstrip("-")]
    order = column.desc() if query.sort.startswith("-") else column.asc()
    id_order = col(Incident.id).desc() if query.sort.startswith("-") else col(Incident.id).asc()
    rows = await db.scalars(
        select(Incident).where(*conditions).order_by(order, id_order).limit(query.limit).offset(query.offset)
    )
    return list(rows.all()), total


async def stats_rows(
    db: AsyncSession, user: User, query: IncidentStatsQuery, since: datetime, until: datetime
) -> list[StatsRow]:
    """Start, label and camera (with its name) of each visible incident in [since, until) that passes the
    query's filters: only what the statistics count, not whole incidents."""
    conditions = _visible_where(
        user,
        camera_id=query.camera_id,
        label=query.label,
        since=since,
        until=until,
        min_confidence=query.min_confidence,
    )
    rows = await db.execute(
        select(col(Incident.started_at), col(Incident.label), col(Incident.camera_id), col(Camera.name))
        .join(Camera, col(Camera.id) == col(Incident.camera_id))
        .where(*conditions)
    )
    return [
        StatsRow(_utc(started_at), label, camera_id, name)
        for started_at, label, camera_id, name in rows.all()
    ]


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
