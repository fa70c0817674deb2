"""The channels in use, rebuilt without a restart when an administrator changes the stored settings.

`LiveChannels` is the mapping every delivery reads its channel from at each attempt (`attempt_delivery`
calls `channels.get(kind)`), so swapping the whole dict at once is the only change the runners see: an
attempt already running keeps the channel it started with; the next one takes the new one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from vigil.alerts.channels import Channel
from vigil.alerts.channels.webpush import WebPushConfig
from vigil.alerts.config import build_channels, mqtt_config
from vigil.alerts.delivery import Redactor
from vigil.alerts.stored import merged, secrets_of
from vigil.domain import ChannelKind
from vigil.security.outbound import NEVER, OutboundPolicy, local_interface_addresses, parse_networks
from vigil.settings import Settings

logger = logging.getLogger("vigil.alerts")


class LiveChannels(Mapping[ChannelKind, Channel]):
    def __init__(self, channels: Mapping[ChannelKind, Channel]) -> None:
        self._channels = dict(channels)

    def replace(self, channels: Mapping[ChannelKind, Channel]) -> None:
        self._channels = dict(channels)

    def __getitem__(self, kind: ChannelKind) -> Channel:
        return self._channels[kind]

    def __iter__(self) -> Iterator[ChannelKind]:
        return iter(self._channels)

    def __len__(self) -> int:
        return len(self._channels)


def server_policy(settings: Settings) -> OutboundPolicy:
    """Where SMTP relays and MQTT brokers may be: mail relays and brokers live on this machine and private
    networks, so those are allowed; link-local and metadata addresses, 0.0.0.0, multicast, this server's
    own port and `VIGIL_OUTBOUND_DENY` are not."""
    return OutboundPolicy(
        purpose="alert servers",
        refused=NEVER,
        denied=parse_networks(settings.outbound_deny),
        own_ports=frozenset((settings.port,)),
        local_addresses=local_interface_addresses(),
    )


class AlertChannels:
    """The environment's settings, the stored ones, and the channels and redactor built from both."""

    def __init__(self, settings: Settings, redact: Redactor, push: WebPushConfig | None = None) -> None:
        self.base = settings
        self.redact = redact
        self.push = push
        self.stored: dict[str, Any] = {}
        self.effective = settings
        self.channels = LiveChannels(build_channels(settings, push))
        self._add_secrets(settings)

    def apply(self, stored: Mapping[str, Any]) -> None:
        """Use these stored settings from now on (the environment still wins field by field)."""
        effective = merged(self.base, stored)
        try:
            channels = build_channels(effective, push=self.push)
        except ValueError as error:  # a stored MQTT URL that no longer parses: keep the old channels
            logger.error(
                "the stored alert settings do not build channels (%s): keeping the previous ones", error
            )
            return
        self.stored = dict(stored)
        self.effective = effective
        self.redact.add(*secrets_of(self.base, stored))
        self._add_secrets(effective)
        self.channels.replace(channels)

    def _add_secrets(self, settings: Settings) -> None:
        mqtt = mqtt_config(settings) if settings.mqtt_url else None
        self.redact.add(
            settings.smtp_password.get_secret_value(),
            settings.twilio_auth_token.get_secret_value(),
            settings.webhook_secret.get_secret_value(),
            mqtt.password if mqtt else "",
        )
