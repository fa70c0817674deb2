"""Alert channels: each sends one `AlertMessage` to one route's target, or raises `DeliveryError`."""

from __future__ import annotations

from typing import Protocol

from vigil.alerts.model import AlertMessage, AlertRoute
from vigil.domain import ChannelKind


class DeliveryError(Exception):
    """A failed attempt. `retryable`: a later attempt may succeed (server down, timeout, 5xx, 429)."""

    def __init__(self, reason: str, *, retryable: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class ChannelNotConfiguredError(DeliveryError):
    """The channel has no server or account configured: no retry helps until an admin sets it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


class Channel(Protocol):
    kind: ChannelKind

    async def send(self, message: AlertMessage, route: AlertRoute, delivery_id: str) -> str:
        """Deliver `message` to `route.target`; return a short receipt (a message id, an HTTP status).

        `delivery_id` is the same on every attempt of one delivery (receivers may drop duplicates).
        """
        ...
