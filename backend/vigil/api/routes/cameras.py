"""Cameras, their shares and their health."""

from __future__ import annotations

import base64
import dataclasses
import functools
import uuid
from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status

from vigil.api.deps import (
    AppSettings,
    CameraContext,
    CameraCreator,
    CurrentUser,
    Health,
    Hub,
    ManagedCamera,
    RuntimeDep,
    Session,
    VisibleCamera,
    camera_creator,
    managed_camera,
    not_found,
    visible_camera,
)
from vigil.api.pipelines import apply_camera, forget_camera, source_rules, zones_of
from vigil.api.schemas import (
    CameraCreate,
    CameraHealth,
    CameraProbe,
    CameraPublic,
    CameraUpdate,
    Offset,
    Page,
    ProbeAudio,
    ProbeResult,
    ProbeVideo,
    ShareCreate,
    SharePublic,
)
from vigil.db import cameras as camera_repo
from vigil.db.tables import Camera
from vigil.domain import CameraAccess, Role, SourceKind
from vigil.ingest.health import analysis_behind
from vigil.ingest.probe import ProbeBusyError, Prober
from vigil.ingest.validation import source_url_problem
from vigil.media.privacy import mask_polygons
from vigil.security.urls import mask_url, unmask_url
from vigil.settings import Settings
from vigil.tracking.zones import privacy_masks

router = APIRouter(prefix="/cameras", tags=["cameras"])


def _public(camera: Camera, access: CameraAccess) -> CameraPublic:
    fields = camera.model_dump()
    fields["url"] = mask_url(camera.url)
    fields["detect_url"] = mask_url(camera.detect_url)
    return CameraPublic(**fields, access=access)


def _check_source(kind: SourceKind, url: str, settings: Settings, detect_url: str = "") -> None:
    problem = source_url_problem(kind, url, settings.allowed_file_roots, settings.camera_outbound())
    if not problem and detect_url:
        if kind is not SourceKind.RTSP:
            problem = "only RTSP cameras have a detect substream: leave it empty"
        elif detect_url == url:
            problem = "the detect substream is the main URL: leave it empty to analyse the main stream"
        else:
            problem = source_url_problem(
                kind, detect_url, settings.allowed_file_roots, settings.camera_outbound()
            )
        if problem:
            _refuse("detect_url", problem, detect_url)
    if problem:
        _refuse("url", problem, url)


def _refuse(field: str, problem: str, url: str) -> NoReturn:
    raise HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"type": "value_error", "loc": ["body", field], "msg": problem, "input": mask_url(url)}],
    )


@router.get("", name="list")
async def list_cameras(
    user: CurrentUser,
    db: Session,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[Offset, Query()] = 0,
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
    rt: RuntimeDep,
) -> CameraPublic:
    """Add a camera you own (operators and admins)."""
    _check_source(body.kind, body.url, settings, body.detect_url)
    camera = await camera_repo.create(db, user, body.model_dump())
    await apply_camera(rt, camera)
    await hub.resync_all()
    return _public(camera, CameraAccess.MANAGE)


async def probe_target(body: CameraProbe, user: CurrentUser, db: Session) -> Camera | None:
    """Who may test a source: someone who may add cameras; for `camera_id`, someone who manages it
    (a camera they may not see is 404). Returns that camera."""
    if body.camera_id is None:
        await camera_creator(user)
        return None
    context = await managed_camera(await visible_camera(body.camera_id, user, db))
    return context.camera


def get_prober(rt: RuntimeDep) -> Prober:
    return rt.prober


ProbeTarget = Annotated[Camera | None, Depends(probe_target)]
CameraProber = Annotated[Prober, Depends(get_prober)]


@router.post(
    "/probe",
    name="probe",
    responses={status.HTTP_429_TOO_MANY_REQUESTS: {"description": "`PROBE_BUSY`: two probes are running"}},
)
async def probe_camera(
    body: CameraProbe, camera: ProbeTarget, user: CurrentUser, settings: AppSettings, prober: CameraProber
) -> ProbeResult:
    """Test a source before saving it: open it as the camera would (RTSP over TCP, the same timeouts),
    decode the first video frame, and answer what came back, or why not in words, within about 8 s.
    `reachable: false` is a 200: the test ran. At most two tests run at once per server. The address must
    be one cameras may use (checked before connecting); to anyone but an administrator a network camera
    that sends no picture is only `unreachable`, after the same wait whatever the cause."""
    if camera is None:
        url = body.url
    else:
        url = unmask_url(body.url, camera.detect_url if body.stream == "detect" else camera.url)
    if body.kind is SourceKind.WEBRTC:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=[
                {
                    "type": "value_error",
                    "loc": ["body", "kind"],
                    "msg": "a WebRTC camera is tested by publishing to it: save it, then publish to it",
                    "input": body.kind.value,
                }
            ],
        )
    _check_source(body.kind, url, settings)
    masks = privacy_masks(zones_of(camera.zones)) if camera is not None else ()
    touch_up = functools.partial(mask_polygons, polygons=masks) if masks else None
    try:
        result = await prober.probe(
            body.kind, url, touch_up, detailed=user.role is Role.ADMIN, rules=source_rules(settings)
        )
    except ProbeBusyError:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail="PROBE_BUSY") from None
    return ProbeResult(
        reachable=result.reachable,
        error=result.error,
        elapsed_ms=result.elapsed_ms,
        video=None if result.video is None else ProbeVideo(**dataclasses.asdict(result.video)),
        audio=None if result.audio is None else ProbeAudio(**dataclasses.asdict(result.audio)),
        snapshot_jpeg=None
        if result.snapshot_jpeg is None
        else base64.b64encode(result.snapshot_jpeg).decode(),
    )


@router.get("/{camera_id}", name="get")
async def get_camera(context: VisibleCamera) -> CameraPublic:
    return _public(context.camera, context.access)


@router.patch("/{camera_id}", name="update")
async def update_camera(
    body: CameraUpdate, context: ManagedCamera, db: Session, settings: AppSettings, rt: RuntimeDep
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
        "transcribe",
        "detect_url",
    ):
        if required in changes and changes[required] is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail=[{"type": "missing", "loc": ["body", required], "msg": "may not be null"}],
            )
    if "url" in changes:
        changes["url"] = unmask_url(changes["url"], context.camera.url)
    if "detect_url" in changes:
        changes["detect_url"] = unmask_url(changes["detect_url"], context.camera.detect_url)
    if {"url", "kind", "detect_url"} & changes.keys():
        _check_source(
            changes.get("kind", context.camera.kind),
            changes.get("url", context.camera.url),
            settings,
            changes.get("detect_url", context.camera.detect_url),
        )
    camera = await camera_repo.update(db, context.camera, changes)
    await apply_camera(rt, camera)
    return _public(camera, context.access)


@router.delete("/{camera_id}", name="delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_camera(context: ManagedCamera, db: Session, hub: Hub, rt: RuntimeDep) -> Response:
    """Remove a camera with its incidents and artifacts (owner or admin)."""
    await camera_repo.remove(db, context.camera)
    await forget_camera(rt, context.id)
    await hub.resync_all()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{camera_id}/health", name="health")
async def camera_health(context: VisibleCamera, health: Health) -> CameraHealth:
    """State and figures of the camera's source and pipeline."""
    state = health.get(context.id, context.camera.enabled)
    return CameraHealth(camera_id=context.id, analysis_behind=analysis_behind(state), **state.__dict__)


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


@router.post(
    "/{camera_id}/shares",
    name="share",
    status_code=status.HTTP_201_CREATED,
    responses={429: {"description": "SHARE_RATE_LIMITED: too many emails without an account this hour."}},
)
async def share_camera(
    body: ShareCreate, context: ManagedCamera, db: Session, hub: Hub, user: CurrentUser, rt: RuntimeDep
) -> SharePublic:
    """Share with a user by email as `viewer` or `operator`; sharing again changes the role. Emails without
    an account count against the sharer (a few an hour), so sharing is no bulk oracle of who has one."""
    limits = rt.login_limits
    wait = limits.share_misses.retry_after_s(str(user.id))
    if wait > 0:
        raise limits.too_many(wait, "SHARE_RATE_LIMITED")
    target = await camera_repo.user_by_email(db, body.email)
    if target is None:
        limits.share_misses.record(str(user.id))
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
