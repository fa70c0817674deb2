"""What a column cannot hold is a 422 naming the field, before the database sees it, on SQLite and on
PostgreSQL alike: ids are 32-bit INTEGERs on PostgreSQL (a larger one failed there with a 500), and a
rule's label and the rules' version are VARCHAR(64) (PostgreSQL refused longer ones with a 500, SQLite kept
them)."""

from __future__ import annotations

import re

from tests.conftest import ON_BOTH_DATABASES, World
from vigil.fusion.rules import default_rules_text

pytestmark = ON_BOTH_DATABASES

BEYOND_INT32 = 2**31


async def test_an_id_beyond_32_bits_is_a_422_naming_it(world: World) -> None:
    for method, path, json, loc in [
        ("GET", f"/api/v1/cameras/{BEYOND_INT32}", None, ["path", "camera_id"]),
        ("GET", f"/api/v1/incidents/{BEYOND_INT32}", None, ["path", "incident_id"]),
        ("GET", f"/api/v1/incidents?camera_id={BEYOND_INT32}", None, ["query", "camera_id"]),
        ("POST", "/api/v1/incidents/review", {"ids": [BEYOND_INT32]}, ["body", "ids", 0]),
        ("GET", f"/api/v1/alert-deliveries?incident_id={BEYOND_INT32}", None, ["query", "incident_id"]),
        (
            "POST",
            "/api/v1/alert-routes",
            {"channel": "mqtt", "target": "vigil", "cameras": [BEYOND_INT32]},
            ["body", "cameras", 0],
        ),
    ]:
        answer = await world.client.request(method, path, json=json, headers=world["admin"].headers)
        assert answer.status_code == 422, (path, answer.text)
        assert [error["loc"] for error in answer.json()["detail"]] == [loc], path

    largest = await world.client.get(f"/api/v1/cameras/{BEYOND_INT32 - 1}", headers=world["admin"].headers)
    assert largest.status_code == 404
    far = await world.client.get(
        "/api/v1/incidents?offset=4611686018427387904", headers=world["owner"].headers
    )
    assert far.status_code == 200, far.text
    assert far.json()["items"] == []


async def test_a_label_or_version_longer_than_64_is_refused_naming_its_line(world: World) -> None:
    admin = world["admin"].headers
    for pattern, replacement, path in [
        (r"(?m)^version: .*$", 'version: "' + "9" * 65 + '"', "version"),
        (r"(?m)^(    label: )violence$", r"\g<1>" + "v" * 65, "rules.violence.label"),
    ]:
        text, replaced = re.subn(pattern, replacement, default_rules_text(), count=1)
        assert replaced == 1
        answer = await world.client.put("/api/v1/rules", json={"text": text}, headers=admin)
        assert answer.status_code == 422, answer.text
        problems = answer.json()["detail"]["problems"]
        assert [p["path"] for p in problems] == [path]
        assert "64" in problems[0]["message"]
    running = (await world.client.get("/api/v1/rules", headers=admin)).json()
    assert running["source"] == "default"
