"""MQTT (aiomqtt): every alert on `<prefix>/<camera_slug>/incident`, the camera's state retained on
`<prefix>/<camera_slug>/state`; QoS 1 (the broker acknowledges each message).

A Home Assistant user subscribes to `vigil/+/incident` for events, or makes a binary sensor of
`vigil/<camera_slug>/state` (`value_template: "{{ value_json.state }}"`, payload ON/OFF); the state is
retained, so a subscriber that connects later sees it at once.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiomqtt

from vigil.alerts.channels import ChannelNotConfiguredError, DeliveryError
from vigil.alerts.model import AlertMessage, AlertRoute
from vigil.domain import ChannelKind, UpdateKind

QOS_AT_LEAST_ONCE = 1


@dataclass(frozen=True, slots=True)
class MqttConfig:
    host: str
    port: int = 1883
    username: str = ""
    password: str = field(default="", repr=False)
    tls: bool = False
    ca_file: Path | None = None
    topic_prefix: str = "vigil"
    timeout_s: float = 10.0

    @classmethod
    def from_url(cls, url: str, topic_prefix: str = "vigil", timeout_s: float = 10.0) -> MqttConfig:
        """`mqtt://user:pass@host:1883` or `mqtts://host:8883` (TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("the MQTT URL is mqtt://[user:password@]host[:port] or mqtts://...")
        tls = parts.scheme == "mqtts"
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            tls=tls,
            topic_prefix=topic_prefix.strip("/") or "vigil",
            timeout_s=timeout_s,
        )


def topics(prefix: str, camera_slug: str) -> tuple[str, str]:
    """(incident topic, state topic)."""
    return f"{prefix}/{camera_slug}/incident", f"{prefix}/{camera_slug}/state"


def state_payload(message: AlertMessage) -> dict[str, object]:
    return {
        "state": "OFF" if message.kind is UpdateKind.CLOSED else "ON",
        "incident_id": message.incident_id,
        "label": message.label,
        "confidence": round(message.confidence, 4),
        "url": message.incident_url,
        "updated_at": message.occurred_at.isoformat(),
    }


class MqttChannel:
    kind = ChannelKind.MQTT

    def __init__(self, config: MqttConfig | None) -> None:
        self._config = config

    async def send(self, message: AlertMessage, route: AlertRoute, delivery_id: str) -> str:
        config = self._config
        if config is None or not config.host:
            raise ChannelNotConfiguredError("MQTT is not configured (VIGIL_MQTT_URL)")
        incident_topic, state_topic = topics(route.target or config.topic_prefix, message.camera_slug)
        event = json.dumps({**message.as_json(), "delivery_id": delivery_id})
        tls_context = None
        if config.tls:
            tls_context = ssl.create_default_context(cafile=config.ca_file)
        try:
            async with aiomqtt.Client(
                config.host,
                config.port,
                username=config.username or None,
                password=config.password or None,
                tls_context=tls_context,
                timeout=config.timeout_s,
                identifier=f"vigil-alert-{delivery_id[:12]}" if delivery_id else None,
            ) as client:
                await client.publish(incident_topic, event, qos=QOS_AT_LEAST_ONCE, timeout=config.timeout_s)
                await client.publish(
                    state_topic,
                    json.dumps(state_payload(message)),
                    qos=QOS_AT_LEAST_ONCE,
                    retain=True,
                    timeout=config.timeout_s,
                )
        except aiomqtt.MqttCodeError as error:
            # CONNACK 4 and 5: bad credentials, not authorised; a retry sends the same ones
            refused = getattr(error, "rc", None) in (4, 5, 134, 135)
            raise DeliveryError(
                f"MQTT {config.host}:{config.port}: {error}", retryable=not refused
            ) from error
        except (aiomqtt.MqttError, OSError, TimeoutError) as error:
            raise DeliveryError(
                f"MQTT {config.host}:{config.port}: {type(error).__name__}: {error}"
            ) from error
        return f"published {incident_topic}"
