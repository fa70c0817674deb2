"""The fusion rules through the API: read, check, save (admins), a bad draft refused at its line with the
running rules untouched, and a stored clip replayed against a draft ("what would have fired")."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import World
from tests.media import scream_clip
from vigil.db import incidents as incident_repo
from vigil.db.tables import Artifact, Incident
from vigil.domain import ArtifactKind
from vigil.fusion import default_rules_text


def with_line(text: str, startswith: str, replacement: str) -> tuple[str, int]:
    """`text` with the first line starting (after indentation) with `startswith` replaced; its number."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.strip().startswith(startswith))
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    lines[index] = indent + replacement
    return "\n".join(lines) + "\n", index + 1


async def test_everyone_reads_the_running_rules_and_checks_drafts_with_line_numbers(world: World) -> None:
    viewer = world["viewer"].headers
    running = (await world.client.get("/api/v1/rules", headers=viewer)).json()
    assert running["source"] == "default"
    assert "violence:" in running["text"]
    broken, line = with_line(default_rules_text(), "threshold:", "threshold: high")
    check = (await world.client.post("/api/v1/rules/check", json={"text": broken}, headers=viewer)).json()
    assert check["valid"] is False
    assert check["problems"][0]["line"] == line
    assert "threshold" in check["problems"][0]["path"]
    good = (
        await world.client.post("/api/v1/rules/check", json={"text": running["text"]}, headers=viewer)
    ).json()
    assert good["valid"] is True
    assert "distress" in good["rules"]


async def test_admins_save_a_version_that_runs_at_once_and_a_bad_one_changes_nothing(world: World) -> None:
    admin, owner = world["admin"].headers, world["owner"].headers
    recorder = world.app.state.runtime.incidents
    draft, _ = with_line(default_rules_text(), "version:", "version: '2026.12.1-test'")
    assert (await world.client.put("/api/v1/rules", json={"text": draft}, headers=owner)).status_code == 403
    saved = await world.client.put("/api/v1/rules", json={"text": draft}, headers=admin)
    assert saved.status_code == 200, saved.text
    assert saved.json()["source"] == "saved"
    assert recorder.engine.rules.version == "2026.12.1-test"
    assert (await world.client.get("/api/v1/rules", headers=owner)).json()["version"] == "2026.12.1-test"

    broken, line = with_line(draft, "threshold:", "threshold: [1, 2]")
    refused = await world.client.put("/api/v1/rules", json={"text": broken}, headers=admin)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert detail["code"] == "RULES_INVALID"
    assert detail["message"].startswith(f"line {line}, column ")
    assert recorder.engine.rules.version == "2026.12.1-test"  # the old rules keep running
    history = (await world.client.get("/api/v1/rules/history", headers=admin)).json()
    assert [h["version"] for h in history] == ["2026.12.1-test"]


async def store_scream_clip(world: World, tmp_path: Path) -> None:
    """Seconds 21-29 of the plaza scenario stored as the clip of the world's incident."""
    settings = world.app.state.runtime.settings
    relative = f"{world.camera_id}/{world.incident_id}/scream.mp4"
    clip = settings.media_dir / relative
    clip.parent.mkdir(parents=True, exist_ok=True)
    content = scream_clip(tmp_path).read_bytes()
    clip.write_bytes(content)
    async with world.app.state.runtime.session_factory() as db:
        await incident_repo.add_artifact(
            db,
            Artifact(
                incident_id=world.incident_id,
                kind=ArtifactKind.CLIP,
                path=relative,
                media_type="video/mp4",
                bytes=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            ),
        )


@pytest.mark.slow  # a replay runs every model over the clip
async def test_a_stored_clip_replayed_against_a_draft_says_what_would_have_fired(
    world: World, tmp_path: Path
) -> None:
    """The incident's clip is seconds 21-29 of the plaza scenario: its scream is a distress incident with
    the running rules, and nothing with a draft whose distress threshold no scream reaches. A shared operator
    runs it; a shared viewer may not (a replay costs seconds of every model's CPU)."""
    await store_scream_clip(world, tmp_path)
    url = f"/api/v1/incidents/{world.incident_id}/replay"
    viewer, operator = world["viewer"].headers, world["operator"].headers
    refused = await world.client.post(url, json={"fps": 2}, headers=viewer)
    assert (refused.status_code, refused.json()["detail"]) == (403, "INCIDENT_OPERATE_FORBIDDEN")
    running = await world.client.post(url, json={"fps": 2}, headers=operator, timeout=300)
    assert running.status_code == 200, running.text
    fired = running.json()["incidents"]
    assert "distress" in [i["rule"] for i in fired]
    scream = next(i for i in fired if i["rule"] == "distress")
    assert 2.5 <= scream["start_s"] <= 6.0  # ~4 s into the clip (keyframe-aligned cut)
    assert "audio.scream" in scream["summary"]

    text = default_rules_text()
    distress = text.index("\n  distress:")
    threshold = text.index("    threshold: 0.5", distress)
    deaf = text[:threshold] + "    threshold: 5.0" + text[threshold + len("    threshold: 0.5") :]
    check = (await world.client.post("/api/v1/rules/check", json={"text": deaf}, headers=viewer)).json()
    assert check["valid"], check
    draft = await world.client.post(url, json={"text": deaf, "fps": 2}, headers=operator, timeout=300)
    assert draft.status_code == 200, draft.text
    assert "distress" not in [i["rule"] for i in draft.json()["incidents"]]
    stranger = await world.client.post(url, json={}, headers=world["stranger"].headers)
    assert stranger.status_code == 404


@pytest.mark.slow  # a replay runs every model over the clip
async def test_a_replay_sees_the_cameras_zones_as_the_live_camera_does(world: World, tmp_path: Path) -> None:
    """In the afternoon, people walking through the plaza are no intrusion; once the camera has a restricted
    zone over the whole picture, the replay of its incident's clip says they are (the zone reaches tracking
    and fusion of the replay, as it does live)."""
    await store_scream_clip(world, tmp_path)
    async with world.app.state.runtime.session_factory() as db:
        incident = await db.get(Incident, world.incident_id)
        assert incident is not None
        incident.started_at = datetime.now(world.app.state.runtime.settings.tzinfo()).replace(
            hour=14, minute=0
        )
        db.add(incident)
        await db.commit()
    url = f"/api/v1/incidents/{world.incident_id}/replay"
    owner = world["owner"].headers
    before = await world.client.post(url, json={"fps": 2}, headers=owner, timeout=300)
    assert before.status_code == 200, before.text
    assert "intrusion" not in [i["rule"] for i in before.json()["incidents"]]
    everywhere = {"name": "Plaza", "kind": "restricted", "points": [[0, 0], [1, 0], [1, 1], [0, 1]]}
    patched = await world.client.patch(
        f"/api/v1/cameras/{world.camera_id}", json={"zones": [everywhere]}, headers=owner
    )
    assert patched.status_code == 200, patched.text
    after = await world.client.post(url, json={"fps": 2}, headers=owner, timeout=300)
    assert after.status_code == 200, after.text
    intrusion = [i for i in after.json()["incidents"] if i["rule"] == "intrusion"]
    assert intrusion, after.json()["incidents"]
    assert "zone Plaza ×3.5" in intrusion[0]["summary"], intrusion[0]["summary"]
