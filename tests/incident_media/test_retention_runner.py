"""Retention in the server: old media go, kept and open incidents' media stay, incidents themselves stay."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.conftest import World
from vigil.db import incidents as incident_repo
from vigil.db.tables import Incident
from vigil.domain import ArtifactKind
from vigil.incidents.retention import RetentionLimits, RetentionRunner
from vigil.media.storage import artifact_relpath

DAY = 86_400


async def incident_with_media(world: World, age_days: float, keep: bool = False, open_: bool = False) -> int:
    incident_id = await world.add_incident(world.camera_id, started_ago_s=age_days * DAY + 60)
    async with world.app.state.runtime.session_factory() as db:
        incident = await db.get(Incident, incident_id)
        assert incident is not None
        incident.keep = keep
        incident.ended_at = None if open_ else datetime.now(UTC) - timedelta(days=age_days)
        db.add(incident)
        await db.commit()
    relative = artifact_relpath(world.camera_id, incident_id, ArtifactKind.CLIP)
    await world.add_artifact(incident_id, b"x" * 50_000, relative=relative)
    return incident_id


async def test_media_older_than_the_limit_go_but_kept_open_and_recent_ones_stay(world: World) -> None:
    old = await incident_with_media(world, age_days=40)
    kept = await incident_with_media(world, age_days=40, keep=True)
    still_open = await incident_with_media(world, age_days=40, open_=True)
    recent = await incident_with_media(world, age_days=2)
    media = world.app.state.runtime.settings.media_dir
    runner = RetentionRunner(media, world.app.state.runtime.session_factory, RetentionLimits(30, None, 0.0))
    plan = await runner.run_once(now=time.time())
    assert [d.item.incident_id for d in plan.deletions] == [old]
    assert not (media / artifact_relpath(world.camera_id, old, ArtifactKind.CLIP)).exists()
    async with world.app.state.runtime.session_factory() as db:
        assert await incident_repo.artifacts_of(db, old) == []
        assert await db.get(Incident, old) is not None  # the incident and its explanation stay
        for survivor in (kept, still_open, recent):
            assert len(await incident_repo.artifacts_of(db, survivor)) == 1
            assert (media / artifact_relpath(world.camera_id, survivor, ArtifactKind.CLIP)).exists()


async def test_a_camera_over_its_share_loses_its_oldest_media_first(world: World) -> None:
    oldest = await incident_with_media(world, age_days=5)
    middle = await incident_with_media(world, age_days=3)
    newest = await incident_with_media(world, age_days=1)
    share_gb = 110_000 / 1e9  # room for two of the three 50 kB incidents (plus the test world's small clip)
    runner = RetentionRunner(
        world.app.state.runtime.settings.media_dir,
        world.app.state.runtime.session_factory,
        RetentionLimits(None, share_gb, 0.0),
    )
    plan = await runner.run_once()
    deleted = {d.item.incident_id for d in plan.deletions}
    assert oldest in deleted
    assert not deleted & {middle, newest}


async def test_a_nearly_full_disk_is_cleaned_before_media_is_written(world: World) -> None:
    """With a minimum of free space larger than any disk, `make_room` (which IncidentMedia calls before
    each write) deletes what may go, oldest first, keeping what is kept."""
    older = await incident_with_media(world, age_days=3)
    kept = await incident_with_media(world, age_days=4, keep=True)
    media = world.app.state.runtime.settings.media_dir
    runner = RetentionRunner(
        media, world.app.state.runtime.session_factory, RetentionLimits(None, None, min_free_gb=1e9)
    )
    assert (
        world.app.state.runtime.incidents.media.make_room == world.app.state.runtime.retention.make_room
    )  # wired in the server
    await runner.make_room()
    assert not (media / artifact_relpath(world.camera_id, older, ArtifactKind.CLIP)).exists()
    assert (media / artifact_relpath(world.camera_id, kept, ArtifactKind.CLIP)).exists()
