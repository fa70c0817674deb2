"""Which routes hear about an incident update, and when they have heard enough (pure; the clock is passed in).

Per route, an incident is announced once (`opened`, the first time it matches the route), then updated
only when its confidence rose by `update_step` since the last alert, at most every `update_interval_s`
and at most `max_updates` times, and finally `closed` if it was announced. A new incident of the same
camera and label within `cooldown_s` of the route's last alert about them is folded into that alert
(a fight that the engine closes and reopens is one alert, not two); it is announced only if it is still
going when the cooldown has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from vigil.alerts.model import AlertRoute
from vigil.domain import UpdateKind
from vigil.fusion.model import IncidentUpdate

FORGET_AFTER = timedelta(hours=24)  # an incident never closed (engine restarted) is forgotten then


@dataclass(frozen=True, slots=True)
class AlertDecision:
    route: AlertRoute
    kind: UpdateKind  # what to announce; `opened` for the first alert even when the update is not


@dataclass(slots=True)
class _IncidentState:
    announced: bool
    last_sent_at: datetime | None
    last_confidence: float
    updates_sent: int
    last_seen_at: datetime


def mismatch(route: AlertRoute, update: IncidentUpdate, at: datetime) -> str | None:
    """Why `route` does not take `update` (None: it does)."""
    if not route.enabled:
        return "route disabled"
    if route.cameras is not None and update.camera_id not in route.cameras:
        return "other camera"
    if route.labels is not None and update.label not in route.labels:
        return "other label"
    if update.confidence < route.min_confidence:
        return f"confidence {update.confidence:.2f} < {route.min_confidence:.2f}"
    if not route.is_active(at):
        return "outside the route's schedule"
    return None


class AlertRouter:
    """Keeps, per route, what each incident has been told; `decide` is the only way in."""

    def __init__(self, routes: tuple[AlertRoute, ...] = ()) -> None:
        self._routes = routes
        self._incidents: dict[tuple[int, int, int], _IncidentState] = {}
        self._last_alert: dict[tuple[int, int, str], datetime] = {}  # (route, camera, label) → time

    @property
    def routes(self) -> tuple[AlertRoute, ...]:
        return self._routes

    def set_routes(self, routes: tuple[AlertRoute, ...]) -> None:
        """Routes edited by a user; what was already sent is kept for the routes that remain."""
        self._routes = routes
        kept = {r.id for r in routes}
        self._incidents = {k: v for k, v in self._incidents.items() if k[0] in kept}
        self._last_alert = {k: v for k, v in self._last_alert.items() if k[0] in kept}

    def decide(self, update: IncidentUpdate, at: datetime) -> list[AlertDecision]:
        """The alerts to send for `update`, received at wall-clock time `at` (aware)."""
        self._forget_old(at)
        decisions = []
        for route in self._routes:
            kind = self._decide_route(route, update, at)
            if kind is not None:
                decisions.append(AlertDecision(route, kind))
                self._last_alert[(route.id, update.camera_id, update.label)] = at
        return decisions

    def _decide_route(self, route: AlertRoute, update: IncidentUpdate, at: datetime) -> UpdateKind | None:
        key = (route.id, update.camera_id, update.incident_id)
        state = self._incidents.get(key)
        if update.kind is UpdateKind.CLOSED:
            self._incidents.pop(key, None)
            announced = state is not None and state.announced
            return UpdateKind.CLOSED if announced and route.notify_close and route.enabled else None
        if mismatch(route, update, at) is not None:
            return None
        if state is None or not state.announced:
            last = self._last_alert.get((route.id, update.camera_id, update.label))
            folded = last is not None and at - last < timedelta(seconds=route.cooldown_s)
            self._incidents[key] = _IncidentState(
                announced=not folded,
                last_sent_at=None if folded else at,
                last_confidence=update.confidence,
                updates_sent=0,
                last_seen_at=at,
            )
            return None if folded else UpdateKind.OPENED
        state.last_seen_at = at
        assert state.last_sent_at is not None
        if (
            state.updates_sent < route.max_updates
            and update.confidence >= state.last_confidence + route.update_step - 1e-9
            and at - state.last_sent_at >= timedelta(seconds=route.update_interval_s)
        ):
            state.updates_sent += 1
            state.last_sent_at = at
            state.last_confidence = update.confidence
            return UpdateKind.UPDATED
        return None

    def _forget_old(self, at: datetime) -> None:
        cooldowns = {r.id: timedelta(seconds=r.cooldown_s) for r in self._routes}
        self._last_alert = {
            k: t for k, t in self._last_alert.items() if at - t < cooldowns.get(k[0], timedelta(0))
        }
        self._incidents = {k: s for k, s in self._incidents.items() if at - s.last_seen_at < FORGET_AFTER}
