"""The fusion rules: read them, check a draft, save a new version (admins), replay a stored clip against a
draft ("what would have fired"). A draft with an error is refused with its line and column and the rules
that run stay as they were."""

from __future__ import annotations

import asyncio
import multiprocessing
import uuid
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, HTTPException, Query, status
from pydantic import BaseModel, Field

from vigil.api.bodylimit import body_limit
from vigil.api.deps import AdminUser, CurrentUser, OperableIncident, RuntimeDep, Session
from vigil.api.pipelines import perception_config, zones_of
from vigil.api.schemas import Offset
from vigil.camera.offline import DetectError
from vigil.db import incidents as incident_repo
from vigil.db import rules as rules_repo
from vigil.db.tables import Camera
from vigil.db.tables import RuleSet as SavedRules
from vigil.domain import ArtifactKind
from vigil.fusion import RuleError, RuleSet, default_rules_text, load_rules
from vigil.fusion.rules import MAX_RULES_CHARS
from vigil.security.paths import resolve_inside
from vigil.tracking.zones import tracked_zones

router = APIRouter(prefix="/rules", tags=["rules"])
# The text's cap is in characters; as JSON one may take up to 6 bytes (an escaped control character).
MAX_RULES_BODY_BYTES = 2 * 1024 * 1024
replay_router = APIRouter(prefix="/incidents", tags=["incidents"])


class RuleProblem(BaseModel):
    line: int | None
    column: int | None
    path: str
    message: str


class RulesPublic(BaseModel):
    id: int | None = Field(description="The saved version's id; null for the built-in defaults.")
    version: str
    text: str
    source: Literal["default", "saved"]
    created_at: datetime | None = None
    created_by: uuid.UUID | None = None


class RulesDraft(BaseModel):
    text: str = Field(max_length=MAX_RULES_CHARS, description="A rule file (YAML), as `GET /rules` returns.")


class RefusedDetail(BaseModel):
    code: str = Field(description="`RULES_INVALID` (with `problems`) or `CLIP_UNREADABLE`.")
    message: str
    problems: list[RuleProblem] = Field(default_factory=list)


class RequestProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Refused(BaseModel):
    """A 422 of the rules routes: the draft's problems, or the request's own (a field of the wrong type)."""

    detail: RefusedDetail | list[RequestProblem]


REFUSED: dict[int | str, dict[str, Any]] = {422: {"model": Refused, "description": "Refused"}}


class RulesCheck(BaseModel):
    valid: bool
    version: str | None = None
    rules: list[str] = Field(default_factory=list, description="The incident types it defines.")
    problems: list[RuleProblem] = Field(default_factory=list)


class ReplayRequest(BaseModel):
    text: str | None = Field(
        None, max_length=MAX_RULES_CHARS, description="Draft rules; default: the running ones."
    )
    fps: float = Field(5.0, gt=0, le=10)


class ReplayedIncidentOut(BaseModel):
    label: str
    rule: str
    severity: str
    confidence: float
    start_s: float = Field(description="Seconds from the clip's start.")
    end_s: float
    summary: str
    explanation: dict[str, Any]


class ReplayResult(BaseModel):
    rules_version: str
    clip_seconds: float | None
    incidents: list[ReplayedIncidentOut]


def problems_of(error: RuleError) -> list[RuleProblem]:
    return [
        RuleProblem(line=line, column=column, path=path, message=message)
        for line, column, path, message in error.problems
    ]


class _Parser:
    """One process of its own for parsing drafts, started at the first draft. A thread would not do: a long
    draft's validation (pydantic's, in Rust) holds the GIL for tens of milliseconds at a time, which the
    event loop carrying every camera's live frames would wait for (`tests/security/test_yaml_bomb.py`)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    async def parse(self, text: str) -> RuleSet:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, load_rules, text)
        except BrokenProcessPool:  # the parser died (killed, out of memory): a new one next time
            self._pool = None
            return await asyncio.to_thread(load_rules, text)


_parser = _Parser()


async def parse(text: str) -> RuleSet:
    """`load_rules` away from the event loop: a long draft takes up to about a second of CPU."""
    return await _parser.parse(text)


async def parse_or_422(text: str) -> RuleSet:
    try:
        return await parse(text)
    except RuleError as error:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail={
                "code": "RULES_INVALID",
                "message": str(error),
                "problems": [p.model_dump() for p in problems_of(error)],
            },
        ) from error


def public(saved: SavedRules | None) -> RulesPublic:
    if saved is None:
        text = default_rules_text()
        return RulesPublic(id=None, version=load_rules(text).version, text=text, source="default")
    return RulesPublic(
        id=saved.id,
        version=saved.version,
        text=saved.text,
        source="saved",
        created_at=saved.created_at,
        created_by=saved.created_by,
    )


@router.get("", name="get")
async def get_rules(user: CurrentUser, db: Session) -> RulesPublic:
    """The rules the server runs: the newest saved version, else the built-in defaults."""
    return public(await rules_repo.latest(db))


@router.get("/history", name="history")
async def rules_history(
    user: AdminUser,
    db: Session,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[Offset, Query()] = 0,
) -> list[RulesPublic]:
    """Saved versions, newest first (admins)."""
    return [public(saved) for saved in await rules_repo.history(db, limit, offset)]


@router.post("/check", name="check", openapi_extra=body_limit(MAX_RULES_BODY_BYTES))
async def check_rules(user: CurrentUser, draft: RulesDraft) -> RulesCheck:
    """Validate a draft without saving it: every problem with its line and column."""
    try:
        rules = await parse(draft.text)
    except RuleError as error:
        return RulesCheck(valid=False, problems=problems_of(error))
    return RulesCheck(valid=True, version=rules.version, rules=sorted(rules.rules))


@router.put("", name="save", openapi_extra=body_limit(MAX_RULES_BODY_BYTES), responses=REFUSED)
async def save_rules(user: AdminUser, db: Session, rt: RuntimeDep, draft: RulesDraft) -> RulesPublic:
    """Save a new version and run it from now on (admins). Refused with 422 and its problems if invalid."""
    rules = await parse_or_422(draft.text)
    saved = await rules_repo.save(db, rules.version, draft.text, user.id)
    rt.incidents.engine.replace_rules(rules)
    return public(saved)


@replay_router.post(
    "/{incident_id}/replay",
    name="replay",
    openapi_extra=body_limit(MAX_RULES_BODY_BYTES),
    responses=REFUSED,
)
async def replay_incident(
    context: OperableIncident,
    db: Session,
    rt: RuntimeDep,
    body: Annotated[ReplayRequest, Body()] = ReplayRequest(),
) -> ReplayResult:
    """Run the incident's stored clip through every model and `text`'s rules: what would have fired
    (camera owner, shared operator, admin: it costs seconds of every model's CPU). One replay at a time per
    server (409 `REPLAY_BUSY` otherwise); it takes about the clip's length."""
    from vigil.camera.offline import replay

    settings = rt.settings
    rules = await parse_or_422(body.text) if body.text is not None else rt.incidents.engine.rules
    assert context.incident.id is not None
    clips = [
        a for a in await incident_repo.artifacts_of(db, context.incident.id) if a.kind is ArtifactKind.CLIP
    ]
    if not clips:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="INCIDENT_HAS_NO_CLIP")
    path = resolve_inside(settings.media_dir, clips[-1].path)
    camera = await db.get(Camera, context.incident.camera_id)
    zones = tracked_zones(zones_of(camera.zones)) if camera is not None else ()
    lock = rt.replay_lock
    if lock.locked():
        raise HTTPException(status.HTTP_409_CONFLICT, detail="REPLAY_BUSY")
    async with lock:
        try:
            found = await asyncio.to_thread(
                replay,
                path,
                perception_config(settings),
                rules,
                fps=body.fps,
                start=context.incident.started_at,
                tz=settings.tzinfo(),
                zones=zones,
                transcribe=camera is not None and camera.transcribe,
            )
        except DetectError as error:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                detail={"code": "CLIP_UNREADABLE", "message": str(error)},
            ) from error
    return ReplayResult(
        rules_version=rules.version,
        clip_seconds=None,
        incidents=[
            ReplayedIncidentOut(
                label=i.label,
                rule=i.rule,
                severity=i.severity,
                confidence=i.confidence,
                start_s=i.start_s,
                end_s=i.end_s,
                summary=i.summary,
                explanation=i.explanation,
            )
            for i in found
        ],
    )
