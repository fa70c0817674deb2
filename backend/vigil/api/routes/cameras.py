"""Cameras, their shares and their health."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from vigil.api.deps import (
    AppSettings,
    CameraContext,
    CameraCreator,
    CurrentUser,
    Health,
    Hub,
    ManagedCamera,
    Session,
    VisibleCamera,
    not_found,
)
from vigil.api.pipelines import apply_camera, forget_camera
from vigil.api.schemas import (
    CameraCreate,
    CameraHealth,
    CameraPublic,
    CameraUpdate,
    Page,
    ShareCreate,
    SharePublic,
)
from vigil.db import cameras as camera_repo
from vigil.db.tables import Camera
from vigil.domain import CameraAccess, SourceKind
from vigil.ingest.validation import source_url_problem
from vigil.security.urls import mask_url, unmask_url
from vigil.settings import Settings

router = APIRouter(prefix="/cameras", tags=["cameras"])


def _public(camera: Camera, access: CameraAccess) -> CameraPublic:
    fields = camera.model_dump()
    fields["url"] = mask_url(camera.url)
    return CameraPublic(**fields, access=access)


def _check_source(kind: SourceKind, url: str, settings: Settings) -> None:
    problem = source_url_problem(kind, url, settings.allowed_file_roots)
    if problem:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[{"type": "value_error", "loc": ["body", "url"], "msg": problem, "input": mask_url(url)}],
        )


@router.get("", name="list")
async def list_cameras(
    user: CurrentUser,
    db: Session,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[CameraPublic]:
    """The cameras you own, were shared, or (admins) all."""
    pairs, total = await camera_repo.list_visible(db, user, limit, offset)
    return Page(items=[_public(camera, access) for camera, access in pairs], total=total)


@router.post("", name="create", status_code=status.HTTP_201_CREATED)
async def create_camera(
    body: CameraCreate,
    user: CameraCreator,
    db: Session,
    settings: AppSettings,
    hub: Hub,
    request: Request,
) -> CameraPublic:
    """Add a camera you own (operators and admins)."""
    _check_source(body.kind, body.url, settings)
    camera = await camera_repo.create(db, user, body.model_dump())
    await apply_camera(request.app, camera)
    await hub.resync_all()
    return _public(camera, CameraAccess.MANAGE)


@router.get("/{camera_id}", name="get")
async def get_camera(context: VisibleCamera) -> CameraPublic:
    return _public(context.camera, context.access)


@router.patch("/{camera_id}", name="update")
async def update_camera(
    body: CameraUpdate, context: ManagedCamera, db: Session, settings: AppSettings, request: Request
) -> CameraPublic:
    """Change a camera (owner or admin). A masked URL sent back keeps the stored password; `zones`
    replaces every zone (tracking and fusion of the camera start again with them)."""
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    for required in (
        "name",
        "kind",
        "url",
        "analysis_fps",
        "enabled",
        "file_loop",
        "file_realtime",
        "zones",
        "privacy",
    ):
        if required in changes and changes[required] is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=[{"type": "missing", "loc": ["body", required], "msg": "may not be null"}],
            )
    if "url" in changes:
        changes["url"] = unmask_url(changes["url"], context.camera.url)
    if "url" in changes or "kind" in changes:
        _check_source(
            changes.get("kind", context.camera.kind), changes.get("url", context.camera.url), settings
        )
    camera = await camera_repo.update(db, context.camera, changes)
    await apply_camera(request.app, camera)
    return _public(camera, context.access)


@router.delete("/{camera_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_camera(context: ManagedCamera, db: Session, hub: Hub, request: Request) -> Response:
    """Remove a camera with its incidents and artifacts (owner or admin)."""
    await camera_repo.remove(db, context.camera)
    await forget_camera(request.app, context.id)
    await hub.resync_all()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{camera_id}/health", name="health")
async def camera_health(context: VisibleCamera, health: Health) -> CameraHealth:
    """State and figures of the camera's source and pipeline."""
    state = health.get(context.id, context.camera.enabled)
    return CameraHealth(camera_id=context.id, **state.__dict__)


async def _shares(db: Session, context: CameraContext) -> list[SharePublic]:
    return [
        SharePublic(user_id=user.id, email=user.email, role=share.role, created_at=share.created_at)
        for share, user in await camera_repo.list_shares(db, context.id)
    ]


@router.get("/{camera_id}/shares", name="list_shares")
async def list_shares(context: ManagedCamera, db: Session) -> Page[SharePublic]:
    """Who else sees this camera (owner or admin)."""
    shares = await _shares(db, context)
    return Page(items=shares, total=len(shares))


@router.post("/{camera_id}/shares", name="share", status_code=status.HTTP_201_CREATED)
async def share_camera(body: ShareCreate, context: ManagedCamera, db: Session, hub: Hub) -> SharePublic:
    """Share with a user by email as `viewer` or `operator`; sharing again changes the role."""
    target = await camera_repo.user_by_email(db, body.email)
    if target is None:
        raise not_found("USER_NOT_FOUND")
    if target.id == context.camera.owner_id:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="SHARE_WITH_OWNER")
    share = await camera_repo.upsert_share(db, context.id, target.id, body.role)
    await hub.resync_user(target.id)
    return SharePublic(user_id=target.id, email=target.email, role=share.role, created_at=share.created_at)


@router.delete("/{camera_id}/shares/{user_id}", name="unshare", status_code=status.HTTP_204_NO_CONTENT)
async def unshare_camera(user_id: uuid.UUID, context: ManagedCamera, db: Session, hub: Hub) -> Response:
    if not await camera_repo.delete_share(db, context.id, user_id):
        raise not_found("SHARE_NOT_FOUND")
    await hub.resync_user(user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
