"""Dependencies as named types. Authorization is a dependency, so a route cannot forget it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, status
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from vigil.api.live import LiveHub
from vigil.api.runtime import Runtime, runtime
from vigil.api.users import current_active_user, current_admin, get_session
from vigil.camera.supervisor import CameraSupervisor
from vigil.db import cameras as camera_repo
from vigil.db.tables import Artifact, Camera, Incident, User
from vigil.db.types import Id
from vigil.domain import CameraAccess, Role
from vigil.ingest.health import HealthRegistry
from vigil.settings import Settings

Session = Annotated[AsyncSession, Depends(get_session)]
CurrentUser = Annotated[User, Depends(current_active_user)]
AdminUser = Annotated[User, Depends(current_admin)]

_ACCESS_ORDER = (CameraAccess.VIEW, CameraAccess.OPERATE, CameraAccess.MANAGE)


RuntimeDep = Annotated[Runtime, Depends(runtime)]


def get_settings(rt: RuntimeDep) -> Settings:
    return rt.settings


def get_hub(rt: RuntimeDep) -> LiveHub:
    return rt.hub


def get_health_registry(rt: RuntimeDep) -> HealthRegistry:
    return rt.health


def get_pipelines(rt: RuntimeDep) -> CameraSupervisor:
    return rt.pipelines


Pipelines = Annotated[CameraSupervisor, Depends(get_pipelines)]
AppSettings = Annotated[Settings, Depends(get_settings)]
Hub = Annotated[LiveHub, Depends(get_hub)]
Health = Annotated[HealthRegistry, Depends(get_health_registry)]


def _at_least(access: CameraAccess, needed: CameraAccess) -> bool:
    return _ACCESS_ORDER.index(access) >= _ACCESS_ORDER.index(needed)


def forbidden(code: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail=code)


def not_found(code: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=code)


@dataclass(frozen=True)
class CameraContext:
    camera: Camera
    access: CameraAccess

    @property
    def id(self) -> int:
        assert self.camera.id is not None
        return self.camera.id


@dataclass(frozen=True)
class IncidentContext:
    incident: Incident
    access: CameraAccess


async def visible_camera(camera_id: Id, user: CurrentUser, db: Session) -> CameraContext:
    found = await camera_repo.get_with_access(db, user, camera_id)
    if found is None:
        raise not_found("CAMERA_NOT_FOUND")
    return CameraContext(*found)


VisibleCamera = Annotated[CameraContext, Depends(visible_camera)]


async def managed_camera(context: VisibleCamera) -> CameraContext:
    if not _at_least(context.access, CameraAccess.MANAGE):
        raise forbidden("CAMERA_MANAGE_FORBIDDEN")
    return context


ManagedCamera = Annotated[CameraContext, Depends(managed_camera)]


async def camera_creator(user: CurrentUser) -> User:
    if user.role not in (Role.ADMIN, Role.OPERATOR):
        raise forbidden("ROLE_CANNOT_ADD_CAMERAS")
    return user


CameraCreator = Annotated[User, Depends(camera_creator)]


async def visible_incident(incident_id: Id, user: CurrentUser, db: Session) -> IncidentContext:
    incident = await db.get(Incident, incident_id)
    found = None if incident is None else await camera_repo.get_with_access(db, user, incident.camera_id)
    if incident is None or found is None:
        raise not_found("INCIDENT_NOT_FOUND")
    return IncidentContext(incident, found[1])


VisibleIncident = Annotated[IncidentContext, Depends(visible_incident)]


async def operable_incident(context: VisibleIncident) -> IncidentContext:
    if not _at_least(context.access, CameraAccess.OPERATE):
        raise forbidden("INCIDENT_OPERATE_FORBIDDEN")
    return context


OperableIncident = Annotated[IncidentContext, Depends(operable_incident)]


async def visible_artifact(artifact_id: Id, user: CurrentUser, db: Session) -> Artifact:
    row = (
        await db.execute(
            select(Artifact, Incident.camera_id)
            .join(Incident, col(Incident.id) == Artifact.incident_id)
            .where(Artifact.id == artifact_id)
        )
    ).first()
    if row is None or await camera_repo.get_with_access(db, user, row[1]) is None:
        raise not_found("ARTIFACT_NOT_FOUND")
    artifact: Artifact = row[0]
    return artifact


VisibleArtifact = Annotated[Artifact, Depends(visible_artifact)]
