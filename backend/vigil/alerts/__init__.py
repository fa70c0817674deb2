"""Alerts: routes decide who hears about an incident update; channels (e-mail, SMS, webhook, MQTT) say it;
delivery retries with backoff and records every attempt, as arq jobs on Redis or in-process."""

from vigil.alerts.channels import Channel, ChannelNotConfiguredError, DeliveryError
from vigil.alerts.delivery import (
    ArqDelivery,
    Delivery,
    DeliveryLog,
    InMemoryDeliveryLog,
    InProcessDelivery,
    Redactor,
    RetryPolicy,
    make_delivery,
)
from vigil.alerts.dispatch import AlertDispatcher
from vigil.alerts.model import (
    ActiveWindow,
    AlertMessage,
    AlertRoute,
    DeliveryAttempt,
    camera_slug,
)
from vigil.alerts.routing import AlertDecision, AlertRouter

__all__ = [
    "ActiveWindow",
    "AlertDecision",
    "AlertDispatcher",
    "AlertMessage",
    "AlertRoute",
    "AlertRouter",
    "ArqDelivery",
    "Channel",
    "ChannelNotConfiguredError",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryError",
    "DeliveryLog",
    "InMemoryDeliveryLog",
    "InProcessDelivery",
    "Redactor",
    "RetryPolicy",
    "camera_slug",
    "make_delivery",
]
