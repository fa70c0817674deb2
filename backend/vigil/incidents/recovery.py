"""At start-up: incidents the previous server left open (it was killed, crashed or stopped mid-incident).

Fusion state, and the packet and audio buffers a clip is cut from, live only in the server's memory, and
Vigil keeps no continuous recording on disk: after the server is gone there is nothing left to cut a
clip from. So each such incident is closed at the last moment the server stored something about it
(`updated_at`), its status is kept, and its explanation says plainly that it was interrupted and why it
has no clip. The snapshot and sound written when it opened are kept as they are.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from vigil.db.tables import Artifact, Incident
from vigil.domain import ArtifactKind

log = logging.getLogger(__name__)

INTERRUPTED_NOTE = (
    "The server stopped while this incident was open, so it was closed at its last update when the server "
    "started again."
)
NO_CLIP_NOTE = " It has no clip: the video around it was only held in the server's memory."


def _interrupted(incident: Incident, ended_at: datetime, kinds: set[ArtifactKind]) -> dict[str, object]:
    has_clip = ArtifactKind.CLIP in kinds
    explanation = dict(incident.explanation)
    explanation["interrupted"] = {
        "ended_at": ended_at.isoformat(),
        "note": INTERRUPTED_NOTE + ("" if has_clip else NO_CLIP_NOTE),
        "artifacts_kept": sorted(str(kind) for kind in kinds),
    }
    mark = "interrupted" if has_clip else "interrupted: no clip"
    summary = str(explanation.get("summary", ""))
    explanation["summary"] = f"{summary} · {mark}" if summary else mark
    return explanation


async def close_interrupted(
    session_factory: async_sessionmaker[AsyncSession], camera_id: int | None = None
) -> list[int]:
    """Close every incident left open (or one camera's: its unit restarted as a Ray actor); returns their
    ids. Run before the cameras concerned start."""
    query = select(Incident).where(col(Incident.ended_at).is_(None))
    if camera_id is not None:
        query = query.where(Incident.camera_id == camera_id)
    async with session_factory() as db:
        left_open = list((await db.scalars(query)).all())
        closed: list[int] = []
        for incident in left_open:
            assert incident.id is not None
            kinds = set(
                (await db.scalars(select(Artifact.kind).where(Artifact.incident_id == incident.id))).all()
            )
            ended_at = max(incident.updated_at, incident.started_at)
            incident.ended_at = ended_at
            incident.explanation = _interrupted(incident, ended_at, kinds)
            db.add(incident)
            closed.append(incident.id)
        await db.commit()
    if closed:
        log.warning(
            "%d incident(s) were left open by the previous server (%s): closed at their last update, "
            "marked interrupted, without a clip",
            len(closed),
            ", ".join(map(str, closed)),
        )
    return closed
