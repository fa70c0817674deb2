"""The one call `incidents/` makes: an incident update in, deliveries submitted (never raises)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from vigil.alerts.delivery import Delivery
from vigil.alerts.model import AlertMessage, DeliveryAttempt
from vigil.alerts.routing import AlertRouter
from vigil.fusion.model import IncidentUpdate

logger = logging.getLogger("vigil.alerts")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AlertDispatcher:
    def __init__(
        self, router: AlertRouter, delivery: Delivery, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.router = router
        self.delivery = delivery
        self._clock = clock

    async def handle(
        self,
        update: IncidentUpdate,
        *,
        camera_name: str,
        incident_url: str,
        snapshot_jpeg: bytes | None = None,
        incident_id: int | None = None,
        at: datetime | None = None,
    ) -> list[DeliveryAttempt]:
        """Route `update`, submit one delivery per route that takes it; returns their first records.

        Submitting only records and queues (or starts a task): sending happens elsewhere, so a slow or
        dead channel never holds the caller up.
        """
        at = at or self._clock()
        decisions = self.router.decide(update, at)
        if not decisions:
            return []
        message = AlertMessage.from_update(
            update,
            camera_name=camera_name,
            incident_url=incident_url,
            snapshot_jpeg=snapshot_jpeg,
            incident_id=incident_id,
            occurred_at=at,
        )
        records = []
        for decision in decisions:
            routed = message if message.kind is decision.kind else replace(message, kind=decision.kind)
            try:
                records.append(await self.delivery.submit(decision.route, routed))
            except Exception:
                logger.exception(
                    "alert for incident %d (route %d) not submitted", routed.incident_id, decision.route.id
                )
        return records
