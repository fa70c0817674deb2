"""MQTT alerts through Debian's mosquitto, started by the test on a free port."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiomqtt
import pytest

from tests.alerts.support import free_port, mosquitto, update
from vigil.alerts import AlertMessage, AlertRoute, DeliveryError
from vigil.alerts.channels.mqtt import MqttChannel, MqttConfig
from vigil.domain import ChannelKind, UpdateKind

pytestmark = pytest.mark.slow


def message(kind: UpdateKind) -> AlertMessage:
    return AlertMessage.from_update(
        update(kind, confidence=0.88, incident_id=5),
        camera_name="Front Door",
        incident_url="http://vigil.example/incidents/5",
        incident_id=5,
    )


async def _collect(port: int, topic: str, count: int, timeout_s: float = 5.0) -> list[aiomqtt.Message]:
    received: list[aiomqtt.Message] = []
    async with aiomqtt.Client("127.0.0.1", port) as client:
        await client.subscribe(topic, qos=1)
        async with asyncio.timeout(timeout_s):
            async for item in client.messages:
                received.append(item)
                if len(received) == count:
                    break
    return received


async def test_a_subscriber_gets_the_incident_and_the_retained_state(tmp_path: Path) -> None:
    with mosquitto(tmp_path) as port:
        channel = MqttChannel(MqttConfig.from_url(f"mqtt://127.0.0.1:{port}"))
        route = AlertRoute(id=4, channel=ChannelKind.MQTT)
        received: list[aiomqtt.Message] = []
        subscriber_ready = asyncio.Event()

        async def subscribe() -> None:
            async with aiomqtt.Client("127.0.0.1", port) as client:
                await client.subscribe("vigil/+/incident", qos=1)
                subscriber_ready.set()
                async with asyncio.timeout(5):
                    async for item in client.messages:
                        received.append(item)
                        break

        listener = asyncio.create_task(subscribe())
        await asyncio.wait_for(subscriber_ready.wait(), 5)
        receipt = await channel.send(message(UpdateKind.OPENED), route, "delivery-5")
        await listener
        assert receipt == "published vigil/front_door/incident"
        [event] = received
        assert event.topic.value == "vigil/front_door/incident"
        assert event.qos == 1
        assert isinstance(event.payload, bytes)
        payload = json.loads(event.payload)
        assert payload["event"] == "incident.opened"
        assert payload["incident"]["label"] == "fight"
        assert payload["incident"]["url"] == "http://vigil.example/incidents/5"
        assert payload["camera"]["slug"] == "front_door"

        # the state is retained: a subscriber that connects afterwards (Home Assistant restarting) sees it
        [state] = await _collect(port, "vigil/front_door/state", 1)
        assert state.retain
        assert isinstance(state.payload, bytes)
        assert json.loads(state.payload)["state"] == "ON"

        await channel.send(message(UpdateKind.CLOSED), route, "delivery-6")
        [state] = await _collect(port, "vigil/front_door/state", 1)
        assert isinstance(state.payload, bytes)
        assert json.loads(state.payload)["state"] == "OFF"


async def test_a_route_prefix_replaces_the_default(tmp_path: Path) -> None:
    with mosquitto(tmp_path) as port:
        channel = MqttChannel(MqttConfig.from_url(f"mqtt://127.0.0.1:{port}", topic_prefix="ignored"))
        await channel.send(
            message(UpdateKind.OPENED), AlertRoute(id=4, channel=ChannelKind.MQTT, target="home/vigil"), "d"
        )
        [state] = await _collect(port, "home/vigil/front_door/state", 1)
        assert state.topic.value == "home/vigil/front_door/state"


async def test_a_broker_that_is_down_is_a_retryable_failure() -> None:
    config = MqttConfig.from_url(f"mqtt://vigil:mqtt-pass-1234@127.0.0.1:{free_port()}", timeout_s=2)
    with pytest.raises(DeliveryError) as error:
        await MqttChannel(config).send(
            message(UpdateKind.OPENED), AlertRoute(id=4, channel=ChannelKind.MQTT), "d"
        )
    assert error.value.retryable
    assert "mqtt-pass-1234" not in str(error.value)
    assert "mqtt-pass-1234" not in repr(config)


def test_broker_urls() -> None:
    config = MqttConfig.from_url("mqtts://ha:p%40ss@broker.lan")
    assert (config.host, config.port, config.tls, config.username, config.password) == (
        "broker.lan",
        8883,
        True,
        "ha",
        "p@ss",
    )
    with pytest.raises(ValueError, match="mqtt://"):
        MqttConfig.from_url("http://broker.lan")
