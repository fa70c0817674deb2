"""Incidents and their artifacts, filtered to the cameras a user may see."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from vigil.db.cameras import operable_camera_ids, visible_camera_ids
from vigil.db.tables import Artifact, Camera, Incident, IncidentSpeech, User
from vigil.db.types import Id, Offset, utcnow
from vigil.domain import ArtifactKind, IncidentStatus, Severity
from vigil.schedule import known_zone

BucketSize = Literal["hour", "day"]
IncidentSort = Literal["-started_at", "started_at", "-confidence", "confidence"]
SeverityGroup = Literal["alert", "detection"]
SEVERITY_GROUPS: dict[str, tuple[Severity, ...]] = {
    # Frigate's split: alerts want a person now, detections are for review when there is time
    "alert": (Severity.HIGH, Severity.CRITICAL),
    "detection": (Severity.LOW, Severity.MEDIUM),
}


class StatsRow(NamedTuple):
    """What the statistics (`incidents/stats.py`) need of one incident."""

    started_at: datetime
    label: str
    camera_id: int
    camera_name: str


class IncidentFilter(BaseModel):
    """Filters, sort and page of an incident list (the query string of `GET /incidents`)."""

    model_config = ConfigDict(extra="forbid")

    camera_id: Id | None = None
    label: str | None = Field(None, max_length=64)
    status: IncidentStatus | None = None
    group: SeverityGroup | None = Field(
        None, description="`alert`: high and critical severity; `detection`: low and medium."
    )
    open: bool | None = Field(None, description="true: not ended yet; false: ended.")
    since: datetime | None = Field(None, description="Started at or after (ISO 8601).")
    until: datetime | None = Field(None, description="Started before (ISO 8601).")
    min_confidence: float | None = Field(None, ge=0, le=1)
    transcript: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Incidents whose transcribed speech contains this text (case-insensitive).",
    )
    sort: IncidentSort = "-started_at"
    limit: int = Field(50, ge=1, le=500)
    offset: Offset = 0


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
    camera_id: Id | None = None
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
    group: SeverityGroup | None = None,
    open: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_confidence: float | None = None,
    transcript: str | None = None,
) -> list[Any]:
    """Conditions on incidents of the cameras `user` may see, narrowed by the filters that are set."""
    conditions: list[Any] = [col(Incident.camera_id).in_(visible_camera_ids(user))]
    if camera_id is not None:
        conditions.append(col(Incident.camera_id) == camera_id)
    if label:
        conditions.append(col(Incident.label) == label)
    if status is not None:
        conditions.append(col(Incident.status) == status)
    if group is not None:
        conditions.append(col(Incident.severity).in_(SEVERITY_GROUPS[group]))
    if open is not None:
        conditions.append(col(Incident.ended_at).is_(None) if open else col(Incident.ended_at).is_not(None))
    if since is not None:
        conditions.append(col(Incident.started_at) >= _utc(since))
    if until is not None:
        conditions.append(col(Incident.started_at) < _utc(until))
    if min_confidence is not None:
        conditions.append(col(Incident.confidence) >= min_confidence)
    if transcript:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", transcript) + "%"
        said = select(IncidentSpeech.id).where(
            col(IncidentSpeech.incident_id) == col(Incident.id),
            col(IncidentSpeech.text).ilike(pattern, escape="\\"),
        )
        conditions.append(said.exists())
    return conditions


async def list_visible(db: AsyncSession, user: User, query: IncidentFilter) -> tuple[list[Incident], int]:
    conditions = _visible_where(
        user,
        camera_id=query.camera_id,
        label=query.label,
        status=query.status,
        group=query.group,
        open=query.open,
        since=query.since,
        until=query.until,
        min_confidence=query.min_confidence,
        transcript=query.transcript,
    )
    total = int(await db.scalar(select(func.count()).select_from(Incident).where(*conditions)) or 0)
    column = _SORT_COLUMNS[query.sort.lstrip("-")]
    order = column.desc() if query.sort.startswith("-") else column.asc()
    id_order = col(Incident.id).desc() if query.sort.startswith("-") else col(Incident.id).asc()
    rows = await db.scalars(
        select(Incident).where(*conditions).order_by(order, id_order).limit(query.limit).offset(query.offset)
    )
    return list(rows.all()), total


class ReviewFilter(BaseModel):
    """Which incidents a bulk review marks: those of the list's filters (status aside: only new ones)."""

    model_config = ConfigDict(extra="forbid")

    camera_id: Id | None = None
    label: str | None = Field(None, max_length=64)
    group: SeverityGroup | None = None
    since: datetime | None = None
    until: datetime | None = None
    min_confidence: float | None = Field(None, ge=0, le=1)
    transcript: str | None = Field(None, min_length=1, max_length=200)


async def review(
    db: AsyncSession, by: User, ids: Sequence[int] | None, where: ReviewFilter | None, up_to: datetime
) -> int:
    """Acknowledge, as `by`, the new incidents chosen by `ids` or by `where`, that started up to `up_to`,
    on cameras `by` may operate (others are left as they are). Returns how many changed."""
    conditions = _visible_where(by, **(where.model_dump() if where is not None else {}))
    conditions += [
        col(Incident.camera_id).in_(operable_camera_ids(by)),
        col(Incident.status) == IncidentStatus.NEW,
        col(Incident.started_at) <= _utc(up_to),
    ]
    if ids is not None:
        conditions.append(col(Incident.id).in_(list(ids)))
    now = utcnow()
    result = await db.execute(
        update(Incident)
        .where(*conditions)
        .values(
            status=IncidentStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=by.id, updated_at=now
        )
        .execution_options(synchronize_session=False)
    )
    await db.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def snapshot_ids(db: AsyncSession, incident_ids: Sequence[int]) -> dict[int, int]:
    """Incident id → the id of its snapshot artifact, for those that have one."""
    if not incident_ids:
        return {}
    rows = await db.execute(
        select(col(Artifact.incident_id), func.min(col(Artifact.id)))
        .where(col(Artifact.incident_id).in_(list(incident_ids)), col(Artifact.kind) == ArtifactKind.SNAPSHOT)
        .group_by(col(Artifact.incident_id))
    )
    return {int(incident_id): int(artifact_id) for incident_id, artifact_id in rows.all()}


async def labels_visible(db: AsyncSession, user: User) -> list[str]:
    """The labels of the incidents `user` may see, sorted."""
    rows = await db.scalars(select(col(Incident.label)).where(*_visible_where(user)).distinct())
    return sorted(rows.all())


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


async def speech_of(db: AsyncSession, incident_id: int) -> list[IncidentSpeech]:
    """What was said around the incident, in order."""
    rows = await db.scalars(
        select(IncidentSpeech)
        .where(col(IncidentSpeech.incident_id) == incident_id)
        .order_by(col(IncidentSpeech.started_at), col(IncidentSpeech.id))
    )
    return list(rows.all())


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
