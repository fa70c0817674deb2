"""The fuzzer's 500s, each sent again as it was: every one is now a 422 naming the field.

Integers beyond int64 in paths and queries, `max_updates: 1e30`, null user fields, NaN / Infinity / 1e400
as a number, lone surrogates in strings (whose 422 itself failed to serialise), a control character in rules.
"""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import World

HUGE = "99999999999999999999999"  # > 2^63


def field_of(answer: httpx.Response) -> list[object]:
    """The `loc` of the single error of a 422."""
    assert answer.status_code == 422, answer.text
    errors = answer.json()["detail"]
    assert len(errors) == 1, errors
    loc: list[object] = errors[0]["loc"]
    return loc


@pytest.mark.parametrize(
    ("path", "loc"),
    [
        (f"/api/v1/cameras/{HUGE}", ["path", "camera_id"]),
        (f"/api/v1/cameras/{HUGE}/health", ["path", "camera_id"]),
        (f"/api/v1/incidents/{HUGE}", ["path", "incident_id"]),
        (f"/api/v1/artifacts/{HUGE}", ["path", "artifact_id"]),
        (f"/api/v1/alert-routes/{HUGE}", ["path", "route_id"]),
        (f"/api/v1/cameras?offset={HUGE}", ["query", "offset"]),
        (f"/api/v1/incidents?offset={HUGE}", ["query", "offset"]),
        (f"/api/v1/incidents?camera_id={HUGE}", ["query", "camera_id"]),
        (f"/api/v1/incidents/stats?camera_id={HUGE}", ["query", "camera_id"]),
        (f"/api/v1/alert-routes?offset={HUGE}", ["query", "offset"]),
        (f"/api/v1/alert-deliveries?incident_id={HUGE}", ["query", "incident_id"]),
        (f"/api/v1/rules/history?offset={HUGE}", ["query", "offset"]),
        (f"/api/v1/users?offset={HUGE}", ["query", "offset"]),
    ],
)
async def test_an_integer_beyond_int64_is_a_422_naming_it(world: World, path: str, loc: list[str]) -> None:
    answer = await world.client.get(path, headers=world["admin"].headers)
    assert field_of(answer) == loc


async def send_json(world: World, method: str, path: str, actor: str, text: str) -> httpx.Response:
    """Raw JSON text, as a fuzzer sends it: NaN, Infinity, 1e400 and escaped lone surrogates included."""
    headers = {**world[actor].headers, "Content-Type": "application/json"}
    return await world.client.request(method, path, content=text, headers=headers)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ('{"channel": "mqtt", "target": "vigil", "max_updates": 1e30}', ["body", "max_updates"]),
        ('{"channel": "mqtt", "target": "vigil", "max_updates": 1001}', ["body", "max_updates"]),
        ('{"channel": "mqtt", "target": "vigil", "cooldown_s": 1e400}', ["body", "cooldown_s"]),
        ('{"channel": "mqtt", "target": "vigil", "update_interval_s": NaN}', ["body", "update_interval_s"]),
        (f'{{"channel": "mqtt", "target": "vigil", "cameras": [{HUGE}]}}', ["body", "cameras", 0]),
    ],
)
async def test_alert_route_numbers_out_of_range_are_422(world: World, body: str, loc: list[object]) -> None:
    assert field_of(await send_json(world, "POST", "/api/v1/alert-routes", "owner", body)) == loc


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
async def test_analysis_fps_must_be_a_finite_number(world: World, number: str) -> None:
    create = f'{{"name": "c", "kind": "rtsp", "enabled": false, "analysis_fps": {number}}}'
    answer = await send_json(world, "POST", "/api/v1/cameras", "owner", create)
    assert field_of(answer) == ["body", "analysis_fps"]
    assert "finite number" in answer.json()["detail"][0]["msg"]
    update = f'{{"analysis_fps": {number}}}'
    path = f"/api/v1/cameras/{world.camera_id}"
    assert field_of(await send_json(world, "PATCH", path, "owner", update)) == ["body", "analysis_fps"]


@pytest.mark.parametrize("field", ["password", "email", "is_active", "is_superuser", "is_verified"])
async def test_null_user_fields_are_422(world: World, field: str) -> None:
    body = f'{{"{field}": null}}'
    path = f"/api/v1/users/{world['viewer'].id}"
    assert field_of(await send_json(world, "PATCH", path, "admin", body)) == ["body", field]
    assert field_of(await send_json(world, "PATCH", "/api/v1/users/me", "viewer", body)) == ["body", field]


@pytest.mark.parametrize("field", ["is_active", "is_superuser", "is_verified"])
async def test_null_flags_at_registration_are_422(world: World, field: str) -> None:
    body = f'{{"email": "new@example.com", "password": "a long enough passphrase 7", "{field}": null}}'
    answer = await world.client.post(
        "/api/v1/auth/register", content=body, headers={"Content-Type": "application/json"}
    )
    assert field_of(answer) == ["body", field]


async def test_a_lone_surrogate_is_a_422_that_can_be_sent(world: World) -> None:
    answer = await send_json(
        world, "POST", "/api/v1/cameras", "owner", '{"name": "a\\ud800b", "kind": "rtsp", "enabled": false}'
    )
    assert field_of(answer) == ["body", "name"]
    assert answer.json()["detail"][0]["input"] == "a\ufffdb"


async def test_a_lone_surrogate_in_a_key_is_a_422_that_can_be_sent(world: World) -> None:
    answer = await send_json(
        world, "POST", "/api/v1/cameras", "owner", '{"name": "x", "kind": "rtsp", "\\udc00": 1}'
    )
    assert field_of(answer) == ["body"]  # pydantic names no field for a key it cannot read
    assert answer.json()["detail"][0]["input"] == "\ufffd"


async def test_a_control_character_in_rules_is_named_at_its_line(world: World) -> None:
    body = '{"text": "version: \'1\'\\nrules: {}\\nnote: a\\u0007b\\n"}'
    answer = await send_json(world, "PUT", "/api/v1/rules", "admin", body)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail["code"] == "RULES_INVALID"
    assert detail["problems"][0]["line"] == 3
    assert "U+0007" in detail["problems"][0]["message"]
