"""Stored incident updates → alerts, in order, off the detection path.

The recorder hands each stored update over (`submit` never waits); one task takes them in the order
they happened, waits for an opened incident's snapshot (written first, so the alert can carry it), loads
the routes as they are now — each one cut down to the cameras its owner may see at this moment — and the
camera's name, then calls the dispatcher. Incidents are rare, so reading the routes at each update keeps
edits and revoked shares effective at once; the one router keeps its dedup memory across reloads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from vigil.alerts.dispatch import AlertDispatcher
from vigil.db import alerts as alert_repo
from vigil.db.tables import Camera
from vigil.fusion import IncidentUpdate

log = logging.getLogger(__name__)

SNAPSHOT_WAIT_S = 15.0  # an alert without its picture beats no alert


@dataclass(frozen=True, slots=True)
class _Pending:
    update: IncidentUpdate
    incident_id: int  # the stored incident's id
    snapshot: Awaitable[bytes | None] | None


class IncidentAlerts:
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        dispatcher: AlertDispatcher,
        incident_url: Callable[[int], str],
    ) -> None:
        self.session_factory = session_factory
        self.dispatcher = dispatcher
        self.incident_url = incident_url
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def submit(
        self, update: IncidentUpdate, incident_id: int, snapshot: Awaitable[bytes | None] | None = None
    ) -> None:
        """Queue the alerts of a stored update; returns at once."""
        self._queue.put_nowait(_Pending(update, incident_id, snapshot))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="incident-alerts")

    async def idle(self) -> None:
        """Wait until every update submitted so far has been dispatched (tests)."""
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            pending = await self._queue.get()
            try:
                await self._dispatch(pending)
            except Exception:  # the next incident must still be alerted
                log.exception(
                    "alerts for incident %s (%s) failed", pending.incident_id, pending.update.kind.value
                )
            finally:
                self._queue.task_done()

    async def _dispatch(self, pending: _Pending) -> None:
        update = pending.update
        snapshot = await self._snapshot(pending)
        async with self.session_factory() as db:
            routes = await alert_repo.routes_for_dispatch(db)
            camera = await db.get(Camera, update.camera_id)
        self.dispatcher.router.set_routes(routes)
        await self.dispatcher.handle(
            update,
            camera_name=camera.name if camera is not None else f"camera {update.camera_id}",
            incident_url=self.incident_url(pending.incident_id),
            snapshot_jpeg=snapshot,
            incident_id=pending.incident_id,
        )

    async def _snapshot(self, pending: _Pending) -> bytes | None:
        if pending.snapshot is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(pending.snapshot), SNAPSHOT_WAIT_S)
        except Exception as error:
            log.warning(
                "incident %s: alerting without a snapshot (%s)",
                pending.incident_id,
                type(error).__name__ or "no snapshot",
            )
            return None
