"""Incidents: list with filters, detail with explanation and artifacts, acknowledge / resolve / keep."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from vigil.api.deps import CurrentUser, OperableIncident, Session, VisibleIncident
from vigil.api.schemas import ArtifactPublic, IncidentDetail, IncidentPublic, IncidentUpdate, Page
from vigil.db import incidents as incident_repo
from vigil.db.incidents import IncidentFilter
from vigil.db.tables import Artifact, Incident

router = APIRouter(prefix="/incidents", tags=["incidents"])


def artifact_public(artifact: Artifact) -> ArtifactPublic:
    return ArtifactPublic(**artifact.model_dump(), url=f"/api/v1/artifacts/{artifact.id}")


async def _detail(db: Session, incident: Incident) -> IncidentDetail:
    assert incident.id is not None
    artifacts = await incident_repo.artifacts_of(db, incident.id)
    return IncidentDetail(**incident.model_dump(), artifacts=[artifact_public(a) for a in artifacts])


@router.get("", name="list")
async def list_incidents(
    user: CurrentUser, db: Session, query: Annotated[IncidentFilter, Query()]
) -> Page[IncidentPublic]:
    """Incidents of the cameras you may see, newest first unless `sort` says otherwise."""
    incidents, total = await incident_repo.list_visible(db, user, query)
    return Page(items=[IncidentPublic(**i.model_dump()) for i in incidents], total=total)


@router.get("/{incident_id}", name="get")
async def get_incident(context: VisibleIncident, db: Session) -> IncidentDetail:
    return await _detail(db, context.incident)


@router.patch("/{incident_id}", name="update")
async def update_incident(
    body: IncidentUpdate, context: OperableIncident, user: CurrentUser, db: Session
) -> IncidentDetail:
    """Acknowledge, resolve or keep (camera owner, shared operator, admin)."""
    incident = await incident_repo.set_status(db, context.incident, user, body.status, body.keep)
    return await _detail(db, incident)
