"""An incident that was open when the server went away is closed when the next one starts: ended at its
last update, status kept, explained as interrupted, and honest that it has no clip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import build_world
from vigil.api.app import create_app
from vigil.db.tables import Incident
from vigil.domain import IncidentStatus
from vigil.settings import Settings


async def test_an_incident_left_open_is_closed_as_interrupted_on_the_next_start(settings: Settings) -> None:
    first = create_app(settings)
    async with first.router.lifespan_context(first):
        transport = httpx.ASGITransport(app=first)
        async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
            world = await build_world(first, client)
        last_update = datetime.now(UTC) - timedelta(seconds=20)
        async with first.state.runtime.session_factory() as db:
            left_open = await db.get(Incident, world.stranger_incident_id)  # no files yet
            assert left_open is not None
            assert left_open.ended_at is None
            left_open.status = IncidentStatus.ACKNOWLEDGED
            left_open.updated_at = last_update
            left_open.explanation = {**left_open.explanation, "summary": "glass_break 0.80"}
            db.add(left_open)
            closed = await db.get(Incident, world.incident_id)
            assert closed is not None
            closed.ended_at = closed.started_at + timedelta(seconds=5)
            db.add(closed)
            await db.commit()
    # the first server is gone without closing anything; a new one starts on the same data
    second = create_app(settings)
    async with second.router.lifespan_context(second), second.state.runtime.session_factory() as db:
        interrupted = await db.get(Incident, world.stranger_incident_id)
        untouched = await db.get(Incident, world.incident_id)
    assert interrupted is not None
    assert untouched is not None
    assert interrupted.ended_at == last_update
    assert interrupted.status is IncidentStatus.ACKNOWLEDGED
    note = interrupted.explanation["interrupted"]
    assert note["note"].endswith("It has no clip: the video around it was only held in the server's memory.")
    assert note["artifacts_kept"] == []
    assert interrupted.explanation["summary"] == "glass_break 0.80 · interrupted: no clip"
    assert "interrupted" not in untouched.explanation
    assert untouched.ended_at == untouched.started_at + timedelta(seconds=5)
