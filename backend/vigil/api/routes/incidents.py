"""Incidents: list with filters, counts over time, detail with explanation and artifacts, acknowledge /
resolve / keep."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from vigil.api.deps import CurrentUser, OperableIncident, Session, VisibleIncident
from vigil.api.schemas import (
    ArtifactPublic,
    IncidentChange,
    IncidentDetail,
    IncidentListItem,
    IncidentReview,
    IncidentReviewResult,
    IncidentStats,
    Page,
    SpeechPublic,
)
from vigil.db import incidents as incident_repo
from vigil.db.incidents import IncidentFilter, IncidentStatsQuery
from vigil.db.tables import Artifact, Incident
from vigil.db.types import utcnow
from vigil.incidents import stats
from vigil.schedule import known_zone

STATS_DEFAULT_RANGE = timedelta(days=7)

router = APIRouter(prefix="/incidents", tags=["incidents"])


def artifact_public(artifact: Artifact) -> ArtifactPublic:
    return ArtifactPublic(**artifact.model_dump(), url=f"/api/v1/artifacts/{artifact.id}")


async def incident_detail(db: Session, incident: Incident) -> IncidentDetail:
    assert incident.id is not None
    artifacts = await incident_repo.artifacts_of(db, incident.id)
    speech = await incident_repo.speech_of(db, incident.id)
    return IncidentDetail(
        **incident.model_dump(),
        artifacts=[artifact_public(a) for a in artifacts],
        transcript=[SpeechPublic.model_validate(s, from_attributes=True) for s in speech],
    )


@router.get("", name="list")
async def list_incidents(
    user: CurrentUser, db: Session, query: Annotated[IncidentFilter, Query()]
) -> Page[IncidentListItem]:
    """Incidents of the cameras you may see, newest first unless `sort` says otherwise, each with its
    snapshot's address (a thumbnail) when it has one."""
    incidents, total = await incident_repo.list_visible(db, user, query)
    snapshots = await incident_repo.snapshot_ids(db, [i.id for i in incidents if i.id is not None])
    items = [
        IncidentListItem(
            **i.model_dump(),
            snapshot_url=f"/api/v1/artifacts/{snapshots[i.id]}" if i.id in snapshots else None,
        )
        for i in incidents
    ]
    return Page(items=items, total=total)


@router.post("/review", name="review")
async def review_incidents(body: IncidentReview, user: CurrentUser, db: Session) -> IncidentReviewResult:
    """Mark new incidents reviewed in bulk (a selection, or a filter up to a moment): those of cameras
    you own, operate or administer become acknowledged by you; the others are left as they are."""
    up_to = body.up_to or utcnow()
    reviewed = await incident_repo.review(db, user, body.ids, body.filter, up_to)
    return IncidentReviewResult(reviewed=reviewed)


@router.get("/labels", name="labels")
async def incident_labels(user: CurrentUser, db: Session) -> list[str]:
    """The labels of the incidents you may see (for a label filter that offers what exists)."""
    return await incident_repo.labels_visible(db, user)


def _query_error(field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"type": "value_error", "loc": ["query", field], "msg": message}],
    )


@router.get("/stats", name="stats")
async def incident_stats(
    user: CurrentUser, db: Session, query: Annotated[IncidentStatsQuery, Query()]
) -> IncidentStats:
    """Counts of the incidents of the cameras you may see that started in [since, until): per bucket and
    label (every bucket present, aligned to `tz`'s midnights or hours), per camera, per label and per
    local hour of day. At most 2000 buckets."""
    until = query.until or utcnow()
    since = query.since or until - STATS_DEFAULT_RANGE
    if until <= since:
        raise _query_error("until", "must be after since")
    zone = known_zone(query.tz)
    try:
        stats.bucket_starts(since, until, query.bucket, zone)  # refuse a huge range before reading rows
    except stats.TooManyBucketsError as error:
        raise _query_error("bucket", str(error)) from error
    rows = await incident_repo.stats_rows(db, user, query, since, until)
    answer = await asyncio.to_thread(stats.aggregate, rows, since, until, query.bucket, query.tz)
    return IncidentStats.model_validate(answer)


@router.get("/{incident_id}", name="get")
async def get_incident(context: VisibleIncident, db: Session) -> IncidentDetail:
    return await incident_detail(db, context.incident)


@router.patch("/{incident_id}", name="update")
async def update_incident(
    body: IncidentChange, context: OperableIncident, user: CurrentUser, db: Session
) -> IncidentDetail:
    """Acknowledge, resolve or keep (camera owner, shared operator, admin)."""
    incident = await incident_repo.set_status(db, context.incident, user, body.status, body.keep)
    return await incident_detail(db, incident)
