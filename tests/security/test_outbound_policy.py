"""Issue 12, item 3: the probe, cameras and webhooks reached any internal address (`127.1`, `0x7f000001`,
`[::1]`, `169.254.169.254`, `10.0.0.1`, the app's own port), the owner read internal answers back in
`last_error`, and the probe's different answers and timings mapped internal ports.

Every refusal here is decided before a connection: refused targets are numeric, or test names that
resolve (through the patched resolver) to refused addresses, and the guard fails the test if Python
opens a socket to anything but loopback; FFmpeg's opener is replaced by a spy where a refused address
could reach it. The only servers contacted listen on loopback.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
from aiohttp import web
from pydantic import ValidationError

from tests.alerts.support import LOOPBACK_WEBHOOKS, http_server, snapshot_jpeg, update
from tests.conftest import World, make_settings
from tests.security import outbound_support
from tests.security.outbound_support import ConnectionGuard, Listener
from tests.servers.rtsp import free_port
from vigil.alerts import AlertMessage, AlertRoute, DeliveryError
from vigil.alerts.channels.webhook import WebhookChannel, WebhookConfig
from vigil.domain import ChannelKind, SourceKind
from vigil.ingest import av_source
from vigil.ingest.av_source import AvSourceConfig, SourceRefusedError, SourceRules, open_input
from vigil.ingest.probe import Prober
from vigil.security.outbound import (
    OutboundRefusedError,
    camera_policy,
    literal_addresses,
    parse_networks,
    resolve_and_check,
    webhook_policy,
)

listener = outbound_support.listener
no_outside_connections = outbound_support.no_outside_connections
test_resolver = outbound_support.test_resolver

APP_PORT = 8000
UNSPECIFIED = "0.0.0.0"  # noqa: S104 (a target to refuse, not an address to bind)
PROBE = "/api/v1/cameras/probe"
ROUTES = "/api/v1/alert-routes"
NO_LOCAL = frozenset[ipaddress.IPv4Address | ipaddress.IPv6Address]()
CAMERAS = camera_policy(own_ports=(APP_PORT,), local_addresses=NO_LOCAL)
WEBHOOKS = webhook_policy(own_ports=(APP_PORT,), local_addresses=NO_LOCAL)


def refusal(policy: Any, host: str, port: int) -> str | None:
    addresses = literal_addresses(host)
    assert addresses, f"{host} should name an address without DNS"
    reasons = [policy.refusal(address, port) for address in addresses]
    return next((reason for reason in reasons if reason), None)


# ---- the policy itself: pure, no I/O ----


@pytest.mark.parametrize(
    ("host", "port", "why"),
    [
        ("169.254.169.254", 80, "link-local"),
        ("[fe80::1]", 554, "link-local"),
        ("100.100.100.200", 80, "metadata"),
        ("[fd00:ec2::254]", 80, "metadata"),
        (UNSPECIFIED, 554, UNSPECIFIED),
        ("0", 554, UNSPECIFIED),
        ("224.0.0.251", 554, "multicast"),
        ("[2002:a9fe:a9fe::1]", 80, "link-local"),  # 6to4 carrying 169.254.169.254
        ("[64:ff9b::a9fe:a9fe]", 80, "link-local"),  # NAT64 carrying 169.254.169.254
        ("127.0.0.1", APP_PORT, "own port"),
        ("127.1", APP_PORT, "own port"),
        ("0x7f000001", APP_PORT, "own port"),
        ("2130706433", APP_PORT, "own port"),
        ("0177.0.0.1", APP_PORT, "own port"),
        ("[::1]", APP_PORT, "own port"),
        ("[::ffff:127.0.0.1]", APP_PORT, "own port"),
        ("localhost", APP_PORT, "own port"),
    ],
)
def test_cameras_may_not_reach_link_local_metadata_or_this_server(host: str, port: int, why: str) -> None:
    reason = refusal(CAMERAS, host, port)
    assert reason is not None
    assert why in reason


@pytest.mark.parametrize(
    ("host", "port"),
    [("10.0.0.7", 554), ("192.168.1.20", 554), ("172.16.4.4", 8554), ("100.64.1.2", 554),
     ("127.0.0.1", 8554), ("[::1]", 8554), ("[fd12::7]", 554), ("93.184.216.34", 554)],
)  # fmt: skip
def test_cameras_may_be_on_private_networks_and_on_this_machine_at_other_ports(host: str, port: int) -> None:
    assert refusal(CAMERAS, host, port) is None


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.1", "loopback"),
        ("0x7f000001", "loopback"),
        ("localhost", "loopback"),
        ("[::1]", "loopback"),
        ("[::ffff:7f00:1]", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("[fc00::1]", "private"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("169.254.169.254", "link-local"),
        (UNSPECIFIED, UNSPECIFIED),
        ("192.0.2.1", "special-purpose"),
        ("198.18.0.1", "special-purpose"),
    ],
)
def test_webhooks_may_not_reach_anything_but_the_public_internet(host: str, why: str) -> None:
    reason = refusal(WEBHOOKS, host, 443)
    assert reason is not None
    assert why in reason
    assert refusal(WEBHOOKS, "93.184.216.34", 443) is None


def test_an_allow_list_opens_a_network_but_not_the_servers_port_nor_what_the_deny_list_names() -> None:
    policy = webhook_policy(
        parse_networks("10.1.2.0/24, 127.0.0.1"),
        parse_networks("10.1.2.9"),
        own_ports=(APP_PORT,),
        local_addresses=NO_LOCAL,
    )
    assert refusal(policy, "10.1.2.3", 443) is None
    assert refusal(policy, "10.1.3.3", 443) is not None
    assert "VIGIL_OUTBOUND_DENY" in (refusal(policy, "10.1.2.9", 443) or "")
    assert refusal(policy, "127.0.0.1", 9000) is None
    assert "own port" in (refusal(policy, "127.0.0.1", APP_PORT) or "")


def test_the_settings_name_a_network_that_is_not_one(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"10\.0\.0\.0/33"):
        make_settings(tmp_path, outbound_allow_webhooks="10.0.0.0/33")
    settings = make_settings(tmp_path, outbound_allow_cameras="169.254.12.0/24", port=8123)
    policy = settings.camera_outbound()
    assert policy.refusal(ipaddress.ip_address("169.254.12.5"), 554) is None
    assert policy.refusal(ipaddress.ip_address("169.254.169.254"), 80) is not None
    assert policy.refusal(ipaddress.ip_address("127.0.0.1"), 8123) is not None


def test_every_resolved_address_is_checked_not_just_the_first() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "127.0.0.1"]

    with pytest.raises(OutboundRefusedError, match="loopback"):
        resolve_and_check(WEBHOOKS, "rebind.example", 443, resolver)


# ---- cameras: FFmpeg is never handed a refused address ----


@pytest.fixture
def ffmpeg_opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the ingest hands FFmpeg; each open fails at once, so nothing is dialled."""
    opened: list[str] = []

    def spy(url: str, *args: Any, **kwargs: Any) -> Any:
        opened.append(url)
        raise av.error.ConnectionRefusedError(111, "spy: not connecting", url)

    monkeypatch.setattr(av, "open", spy)  # what av_source calls
    return opened


def test_a_camera_whose_name_resolves_to_metadata_is_refused_before_ffmpeg(
    test_resolver: Any, ffmpeg_opens: list[str], no_outside_connections: ConnectionGuard
) -> None:
    config = AvSourceConfig(
        SourceKind.RTSP, "rtsp://metadata.vigil.test/latest", rules=SourceRules(None, CAMERAS)
    )
    with pytest.raises(SourceRefusedError, match="link-local"):
        open_input(config)
    assert ffmpeg_opens == []
    assert no_outside_connections.refused == []


def test_an_allowed_camera_is_opened_at_the_address_that_was_checked(
    test_resolver: Any, ffmpeg_opens: list[str]
) -> None:
    config = AvSourceConfig(
        SourceKind.RTSP, "rtsp://user:pw@lan-camera.vigil.test/live?x=1", rules=SourceRules(None, CAMERAS)
    )
    with pytest.raises(av_source.SourceError):
        open_input(config)
    # the name is not looked up again by FFmpeg: a second DNS answer cannot differ from the checked one
    assert ffmpeg_opens == ["rtsp://user:pw@10.0.0.7:554/live?x=1"]


# ---- the probe: no port mapping for users who are not administrators ----


def garbage_listener() -> Listener:
    return Listener(reply=b"HTTP/1.1 400 Bad Request\r\nServer: internal-admin-panel\r\n\r\n")


async def test_a_non_admin_learns_only_unreachable_whatever_the_cause(
    world: World, test_resolver: Any, no_outside_connections: ConnectionGuard, listener: Listener
) -> None:
    world.app.state.runtime.prober = Prober(open_timeout_s=1.0, read_timeout_s=0.5, deadline_s=2.0)
    silent = Listener()  # accepts, never answers
    talker = garbage_listener()  # another service answers
    closed = free_port()
    targets = {
        "closed": f"rtsp://127.0.0.1:{closed}/live",
        "silent": f"rtsp://127.0.0.1:{silent.port}/live",
        "other service": f"rtsp://127.0.0.1:{talker.port}/live",
        "refused by policy": "rtsp://metadata.vigil.test:80/live",
    }
    answers: dict[str, dict[str, Any]] = {}
    for what, url in targets.items():
        response = await world.client.post(
            PROBE, json={"kind": "rtsp", "url": url}, headers=world["owner"].headers
        )
        assert response.status_code == 200, response.text
        answers[what] = response.json()
    silent.close()
    talker.close()

    shapes = {re.sub(r"\S+:\d+", "HOST:PORT", answer["error"]) for answer in answers.values()}
    assert len(shapes) == 1, answers  # one message for all four
    [shape] = shapes
    assert shape.startswith("unreachable: HOST:PORT did not send a picture")
    for what, answer in answers.items():
        assert answer["reachable"] is False
        assert answer["elapsed_ms"] >= 1000, (what, answer)  # each waits the open timeout: no timing tell
        assert "internal-admin-panel" not in str(answer)
    assert no_outside_connections.refused == []

    # the administrator is told why, and the policy refusal still came before any connection
    response = await world.client.post(
        PROBE, json={"kind": "rtsp", "url": targets["refused by policy"]}, headers=world["admin"].headers
    )
    admin = response.json()
    assert "may not connect to metadata.vigil.test" in admin["error"], admin
    assert "link-local" in admin["error"]
    assert no_outside_connections.refused == []


async def test_literal_internal_addresses_are_refused_with_422_before_probing(world: World) -> None:
    port = world.app.state.runtime.settings.port
    for url in ("rtsp://169.254.169.254/x", f"rtsp://{UNSPECIFIED}:554/x", "rtsp://[fe80::1]/x",
                f"rtsp://127.1:{port}/x", "rtsp://100.100.100.200/x"):  # fmt: skip
        response = await world.client.post(
            PROBE, json={"kind": "rtsp", "url": url}, headers=world["owner"].headers
        )
        assert response.status_code == 422, (url, response.text)
        assert response.json()["detail"][0]["loc"] == ["body", "url"]
        created = await world.client.post(
            "/api/v1/cameras", json={"name": "c", "kind": "rtsp", "url": url}, headers=world["owner"].headers
        )
        assert created.status_code == 422, (url, created.text)


# ---- webhooks ----


def message() -> AlertMessage:
    return AlertMessage.from_update(
        update(), camera_name="Yard", incident_url="http://vigil.example/i/1", snapshot_jpeg=snapshot_jpeg()
    )


def hook(target: str) -> AlertRoute:
    return AlertRoute(id=1, channel=ChannelKind.WEBHOOK, target=target, webhook_secret="s3cret")


async def test_webhook_routes_to_internal_addresses_are_refused_at_creation(world: World) -> None:
    port = world.app.state.runtime.settings.port
    for target in (
        "http://127.0.0.1/hook",
        f"http://localhost:{port}/api/v1/health",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://0x7f000001/hook",
        "http://127.1/hook",
        "http://[::1]/hook",
        "http://hooks.example.org/a\r\nX-Injected: 1",
    ):
        response = await world.client.post(
            ROUTES,
            json={"channel": "webhook", "target": target, "webhook_secret": "k3y-k3y"},
            headers=world["owner"].headers,
        )
        assert response.status_code == 422, (target, response.text)
        assert response.json()["detail"][0]["loc"] == ["body", "target"], response.text


@pytest.mark.parametrize("name", ["private-hook.vigil.test", "rebind.vigil.test", "metadata.vigil.test"])
async def test_a_webhook_whose_name_resolves_inside_is_refused_before_connecting(
    name: str, test_resolver: Any, no_outside_connections: ConnectionGuard
) -> None:
    channel = WebhookChannel(WebhookConfig(outbound=WEBHOOKS))
    with pytest.raises(DeliveryError, match="may not connect") as error:
        await channel.send(message(), hook(f"https://{name}/hook"), "d1")
    assert not error.value.retryable
    assert no_outside_connections.refused == []


async def test_a_public_webhook_goes_to_the_checked_address_with_its_name_in_host_and_tls(
    test_resolver: Any,
) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:  # no network at all
        channel = WebhookChannel(WebhookConfig(outbound=WEBHOOKS), client=client)
        assert await channel.send(message(), hook("https://public-hook.vigil.test/in"), "d1") == "HTTP 204"
    [request] = seen
    assert str(request.url) == "https://93.184.216.34/in"
    assert request.headers["Host"] == "public-hook.vigil.test"
    assert request.extensions["sni_hostname"] == "public-hook.vigil.test"


async def test_a_webhook_redirect_to_an_internal_address_is_not_followed(
    no_outside_connections: ConnectionGuard,
) -> None:
    hits: list[str] = []

    async def redirect(request: web.Request) -> web.Response:
        hits.append(request.path)
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    app = web.Application()
    app.router.add_post("/hook", redirect)
    async with http_server(app) as url:
        channel = WebhookChannel(WebhookConfig(outbound=LOOPBACK_WEBHOOKS))
        with pytest.raises(DeliveryError, match="redirects are not followed") as error:
            await channel.send(message(), hook(f"{url}/hook"), "d1")
    assert hits == ["/hook"]
    assert not error.value.retryable
    assert no_outside_connections.refused == []


async def test_the_delivery_error_never_quotes_what_the_receiver_said(listener: Listener) -> None:
    listener.reply = b"-ERR secret-internal-data from redis\r\n-ERR unknown command 'Host:'\r\n\r\n"
    channel = WebhookChannel(WebhookConfig(outbound=LOOPBACK_WEBHOOKS, timeout_s=3))
    with pytest.raises(DeliveryError) as not_http:
        await channel.send(message(), hook(f"http://127.0.0.1:{listener.port}/hook"), "d1")
    assert "secret-internal-data" not in not_http.value.reason
    assert not_http.value.reason == "webhook: the receiver's answer is not HTTP"

    async def failing(request: web.Request) -> web.Response:
        return web.Response(status=500, reason="Secret Reason From Inside", text="internal-body-abc")

    app = web.Application()
    app.router.add_post("/hook", failing)
    async with http_server(app) as url:
        with pytest.raises(DeliveryError) as server_error:
            await channel.send(message(), hook(f"{url}/hook"), "d2")
    assert server_error.value.reason == "webhook: HTTP 500 Internal Server Error"
