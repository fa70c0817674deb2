"""Alert routes over the API: CRUD, validation, write-only secrets, who may do what, and what reaches whom.

Incident updates go through the server's own alert flow (`IncidentAlerts`, the one the recorder feeds) to
real receivers on loopback; deliveries are read back from `/api/v1/alert-deliveries`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import select

from tests.alerts.support import LOOPBACK, Receiver, free_port, http_server, update, wait_until
from tests.conftest import World, make_settings
from vigil.alerts.channels.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from vigil.db.tables import AlertRoute
from vigil.domain import ShareRole, UpdateKind
from vigil.incidents.alerting import IncidentAlerts
from vigil.settings import Settings

ROUTES = "/api/v1/alert-routes"
DELIVERIES = "/api/v1/alert-deliveries"
SECRET = "route-own-hmac-secret"
CLOSED_SMTP_PORT = free_port()  # nothing listens there: e-mail fails, fast


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=CLOSED_SMTP_PORT,
        smtp_security="none",
        public_url="https://vigil.example",
        alert_max_attempts=2,
        alert_retry_first_s=0.05,
        outbound_allow_webhooks=LOOPBACK,  # the test receivers listen on loopback
    )


@pytest.fixture
async def hooks() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver()
    async with http_server(receiver.app()) as url:
        yield receiver, f"{url}/hook"


def webhook_route(url: str, **fields: Any) -> dict[str, Any]:
    return {"channel": "webhook", "target": url, "webhook_secret": SECRET, **fields}


async def create(world: World, actor: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await world.client.post(ROUTES, json=body, headers=world[actor].headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def deliveries(world: World, actor: str, **params: Any) -> list[dict[str, Any]]:
    response = await world.client.get(DELIVERIES, params=params, headers=world[actor].headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def alert(world: World, camera_id: int, incident_id: int, label: str = "fight") -> None:
    """A stored incident opened on `camera_id`, as the recorder hands it over; waits until dispatched."""
    alerts: IncidentAlerts = world.app.state.runtime.incidents.alerts
    alerts.submit(
        update(UpdateKind.OPENED, camera_id=camera_id, incident_id=incident_id, label=label), incident_id
    )
    await alerts.idle()


async def test_create_list_get_update_delete(world: World) -> None:
    client, owner = world.client, world["owner"]
    body = {
        "name": "night guard",
        "channel": "email",
        "target": "guard@example.org",
        "cameras": [world.camera_id],
        "labels": ["fight", "distress"],
        "min_confidence": 0.6,
        "schedule": [{"start": "22:00", "end": "06:00", "days": ["fri", "sat"]}],
        "timezone": "Europe/Paris",
    }
    created = await create(world, "owner", body)
    assert {k: created[k] for k in body} == body
    assert created["owner_id"] == str(owner.id)
    assert created["cooldown_s"] == 300
    assert created["notify_close"] is True
    route_url = f"{ROUTES}/{created['id']}"

    listed = (await client.get(ROUTES, headers=owner.headers)).json()
    assert [r["id"] for r in listed["items"]] == [created["id"]]
    assert listed["total"] == 1
    assert (await client.get(route_url, headers=owner.headers)).json() == created

    patched = await client.patch(
        route_url, json={"min_confidence": 0.8, "enabled": False}, headers=owner.headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["min_confidence"] == 0.8
    assert patched.json()["enabled"] is False
    assert patched.json()["labels"] == ["fight", "distress"]  # untouched fields stay

    # others' routes: a stranger's list does not show it; an admin's shows everyone's
    stranger_route = await create(world, "stranger", webhook_route("https://hooks.example.org/s"))
    assert [r["id"] for r in (await client.get(ROUTES, headers=owner.headers)).json()["items"]] == [
        created["id"]
    ]
    admin_list = (await client.get(ROUTES, headers=world["admin"].headers)).json()["items"]
    assert {r["id"] for r in admin_list} == {created["id"], stranger_route["id"]}

    assert (await client.delete(route_url, headers=owner.headers)).status_code == 204
    assert (await client.get(route_url, headers=owner.headers)).status_code == 404


async def test_viewers_may_not_create_and_strangers_do_not_see(world: World) -> None:
    client = world.client
    refused = await client.post(
        ROUTES, json=webhook_route("https://x.example/h"), headers=world["viewer"].headers
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "ROLE_CANNOT_ADD_ALERT_ROUTES"
    route = await create(world, "owner", webhook_route("https://hooks.example.org/o"))
    url = f"{ROUTES}/{route['id']}"
    stranger = world["stranger"].headers
    assert (await client.get(url, headers=stranger)).status_code == 404
    assert (await client.patch(url, json={"enabled": False}, headers=stranger)).status_code == 404
    assert (await client.delete(url, headers=stranger)).status_code == 404
    missing = await client.get(f"{ROUTES}/999999", headers=stranger)
    assert missing.status_code == 404
    assert missing.json() == (await client.get(url, headers=stranger)).json()
    assert (await client.get(url, headers=world["owner"].headers)).json()["enabled"] is True


def messages(response: httpx.Response) -> str:
    return " ".join(str(e.get("msg", "")) + str(e.get("loc", "")) for e in response.json()["detail"])


async def test_validation_names_the_problem(world: World) -> None:
    client, headers = world.client, world["owner"].headers

    async def refused(body: dict[str, Any]) -> str:
        response = await client.post(ROUTES, json=body, headers=headers)
        assert response.status_code == 422, response.text
        return messages(response)

    bad_address = await client.post(
        ROUTES, json={"channel": "email", "target": "no address"}, headers=headers
    )
    assert bad_address.status_code == 422
    assert bad_address.json()["detail"][0]["loc"] == ["body", "target"]
    assert "one or more addresses" in messages(bad_address)
    assert "E.164" in await refused({"channel": "sms", "target": "0612345678"})
    missing = await refused({"channel": "sms", "target": "+15551234567"})
    assert "VIGIL_TWILIO_ACCOUNT_SID" in missing
    assert "VIGIL_TWILIO_FROM" in missing
    assert "VIGIL_MQTT_URL" in await refused({"channel": "mqtt", "target": "home/vigil"})
    no_secret = await refused({"channel": "webhook", "target": "https://hooks.example.org/x"})
    assert "VIGIL_WEBHOOK_SECRET" in no_secret
    assert "unknown time zone" in await refused(webhook_route("https://h.example/x", timezone="Mars/Base"))
    assert "HH:MM" in await refused(
        webhook_route("https://h.example/x", schedule=[{"start": "25:00", "end": "1"}])
    )
    # a camera the owner may not see, and one that does not exist, are named alike
    others = await refused(
        webhook_route("https://h.example/x", cameras=[world.camera_id, world.stranger_camera_id])
    )
    assert str([world.stranger_camera_id]) in others
    assert str([999999]) in await refused(webhook_route("https://h.example/x", cameras=[999999]))

    route = await create(world, "owner", webhook_route("https://h.example/x"))
    url = f"{ROUTES}/{route['id']}"
    for change in (
        {"name": None},
        {"channel": "sms"},
        {"cameras": [world.stranger_camera_id]},
        {"target": "ftp://x"},
    ):
        response = await client.patch(url, json=change, headers=headers)
        assert response.status_code == 422, (change, response.text)
    # an admin may edit the owner's route, but only onto cameras the owner may see
    admin_patch = await client.patch(
        url, json={"cameras": [world.stranger_camera_id]}, headers=world["admin"].headers
    )
    assert admin_patch.status_code == 422
    assert (await client.get(url, headers=headers)).json()["cameras"] is None


async def stored_secret(world: World, route_id: int) -> str:
    async with world.app.state.runtime.session_factory() as db:
        route: AlertRoute = (await db.scalars(select(AlertRoute).where(AlertRoute.id == route_id))).one()
        return route.webhook_secret


async def test_the_webhook_secret_is_write_only(world: World) -> None:
    client, headers = world.client, world["owner"].headers
    created = await client.post(ROUTES, json=webhook_route("https://h.example/x"), headers=headers)
    route = created.json()
    url = f"{ROUTES}/{route['id']}"
    responses = [
        created,
        await client.get(ROUTES, headers=headers),
        await client.get(url, headers=headers),
        await client.get(ROUTES, headers=world["admin"].headers),
        await client.patch(url, json={"name": "kept", "webhook_secret": ""}, headers=headers),
    ]
    for response in responses:
        assert response.status_code in (200, 201)
        assert SECRET not in response.text
        assert '"webhook_secret"' not in response.text
    assert route["has_webhook_secret"] is True
    assert await stored_secret(world, route["id"]) == SECRET  # an empty one on patch keeps it
    changed = await client.patch(url, json={"webhook_secret": "a-new-secret-value"}, headers=headers)
    assert "a-new-secret-value" not in changed.text
    assert await stored_secret(world, route["id"]) == "a-new-secret-value"


async def test_routes_only_ever_cover_cameras_their_owner_may_see(
    world: World, hooks: tuple[Receiver, str]
) -> None:
    receiver, hook_url = hooks
    owner_all = await create(world, "owner", webhook_route(hook_url, name="owner: every camera"))
    stranger_all = await create(world, "stranger", webhook_route(hook_url, name="stranger: every camera"))

    await alert(world, world.stranger_camera_id, world.stranger_incident_id, "glass_break")
    await alert(world, world.camera_id, world.incident_id)
    await wait_until(lambda: len(receiver.requests) >= 2, what="two webhooks")

    by_route = {d["route_id"]: d for d in await deliveries(world, "admin")}
    assert set(by_route) == {owner_all["id"], stranger_all["id"]}  # one each: their own camera only
    assert by_route[owner_all["id"]]["incident_id"] == world.incident_id
    assert by_route[stranger_all["id"]]["incident_id"] == world.stranger_incident_id
    cameras = sorted(json.loads(body)["camera"]["id"] for body, _ in receiver.requests)
    assert cameras == sorted([world.camera_id, world.stranger_camera_id])
    for body, headers in receiver.requests:
        assert verify_signature(SECRET, body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])

    # a share makes a camera routable; revoking it stops the stranger's route at once
    shared = await world.add_camera("owner", {"stranger": ShareRole.VIEWER})
    explicit = await create(world, "stranger", webhook_route(hook_url, cameras=[shared], name="explicit"))
    first = await world.add_incident(shared)
    await alert(world, shared, first)
    await wait_until(lambda: len(receiver.requests) >= 5, what="owner's and stranger's two routes")
    unshared = await world.client.delete(
        f"/api/v1/cameras/{shared}/shares/{world['stranger'].id}", headers=world["owner"].headers
    )
    assert unshared.status_code == 204
    second = await world.add_incident(shared, label="distress")
    await alert(world, shared, second, "distress")
    await wait_until(lambda: len(receiver.requests) >= 6, what="the owner's webhook")
    late = await deliveries(world, "admin", incident_id=second)
    assert [d["route_id"] for d in late] == [owner_all["id"]]
    early = {d["route_id"] for d in await deliveries(world, "admin", incident_id=first)}
    assert early == {owner_all["id"], stranger_all["id"], explicit["id"]}


async def test_deliveries_are_listed_for_who_sees_the_incident(
    world: World, hooks: tuple[Receiver, str]
) -> None:
    receiver, hook_url = hooks
    webhook = await create(world, "owner", webhook_route(hook_url))
    email = await create(world, "owner", {"channel": "email", "target": "guard@example.org"})
    await alert(world, world.camera_id, world.incident_id)
    app_alerts = world.app.state.runtime.alerts
    await app_alerts.delivery.drain(10)  # the SMTP server is down: e-mail fails, the webhook does not

    items = await deliveries(world, "owner")
    by_route = {d["route_id"]: d for d in items}
    assert by_route[webhook["id"]]["status"] == "delivered"
    assert by_route[webhook["id"]]["receipt"]
    assert by_route[webhook["id"]]["attempts"] == 1
    failed = by_route[email["id"]]
    assert failed["status"] == "failed"
    assert failed["attempts"] == 2
    assert failed["last_error"]
    assert len(receiver.requests) == 1
    assert await deliveries(world, "owner", status="failed") == [failed]
    assert await deliveries(world, "owner", incident_id=world.stranger_incident_id) == []
    newest_first = [d["created_at"] for d in items]
    assert newest_first == sorted(newest_first, reverse=True)
    page = (
        await world.client.get(DELIVERIES, params={"limit": 1, "offset": 1}, headers=world["owner"].headers)
    ).json()
    assert page["total"] == 2
    assert page["items"] == [items[1]]

    # a shared viewer sees that the incident was alerted, not where to
    shared_view = await deliveries(world, "viewer")
    assert {d["id"] for d in shared_view} == {d["id"] for d in items}
    assert all(d["target"] is None and d["last_error"] is None for d in shared_view)
    assert await deliveries(world, "stranger") == []

    # deleting the route keeps its deliveries on record
    assert (
        await world.client.delete(f"{ROUTES}/{webhook['id']}", headers=world["owner"].headers)
    ).status_code == 204
    kept = await deliveries(world, "admin", incident_id=world.incident_id)
    assert len(kept) == 2
    assert None in {d["route_id"] for d in kept}
