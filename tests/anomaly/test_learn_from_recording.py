"""`vigil baseline learn CAMERA FILE`: a camera that already has recordings learns its baseline from them,
and the server started afterwards shows that history."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import col, select

from tests.conftest import password_hash
from tests.media import plaza
from vigil.cli import main
from vigil.db.engine import make_engine, make_session_factory
from vigil.db.migrate import upgrade_to_head
from vigil.db.tables import ActivitySlot, BaselineBucket, BaselineDay, Camera, User
from vigil.domain import Role, SourceKind


async def _add_camera(url: str) -> int:
    engine = make_engine(url)
    async with make_session_factory(engine)() as db:
        owner = User(email="owner@example.com", hashed_password=password_hash(), role=Role.OPERATOR)
        db.add(owner)
        await db.commit()
        camera = Camera(name="Yard", kind=SourceKind.FILE, url=str(plaza()), owner_id=owner.id)
        db.add(camera)
        await db.commit()
        await db.refresh(camera)
    await engine.dispose()
    assert camera.id is not None
    return camera.id


async def _stored(url: str, camera_id: int) -> tuple[set[str], list[int], int]:
    engine = make_engine(url)
    async with make_session_factory(engine)() as db:
        measures = set(
            (
                await db.scalars(
                    select(BaselineBucket.measure).where(col(BaselineBucket.camera_id) == camera_id)
                )
            ).all()
        )
        days = list(
            (await db.scalars(select(BaselineDay.day).where(col(BaselineDay.camera_id) == camera_id))).all()
        )
        slots = len(
            (await db.scalars(select(ActivitySlot).where(col(ActivitySlot.camera_id) == camera_id))).all()
        )
    await engine.dispose()
    return measures, days, slots


@pytest.mark.slow
def test_a_recording_of_the_past_becomes_baseline_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'vigil.db'}"
    monkeypatch.setenv("VIGIL_DATABASE_URL", url)
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VIGIL_ANOMALY_SLOT_S", "60")
    monkeypatch.setenv("VIGIL_TIMEZONE", "UTC")
    monkeypatch.setenv("VIGIL_SPEECH_ENABLED", "false")
    upgrade_to_head(url)
    camera_id = asyncio.run(_add_camera(url))

    main(
        [
            "baseline",
            "learn",
            str(camera_id),
            str(plaza()),
            "--start",
            "2026-11-24T03:00:00+00:00",
            "--fps",
            "1",
        ]
    )

    printed = capsys.readouterr().out
    assert f"camera {camera_id}: learned 1 slot(s) of plaza_incident.mp4" in printed
    assert "rests on 1 day(s)" in printed
    measures, days, slots = asyncio.run(_stored(url, camera_id))
    assert {"people", "motion", "sound_level", "sound_events"} <= measures
    assert len(days) == 1
    assert slots == len(measures)


def test_an_unknown_camera_is_refused_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'vigil.db'}"
    monkeypatch.setenv("VIGIL_DATABASE_URL", url)
    monkeypatch.setenv("VIGIL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VIGIL_SPEECH_ENABLED", "false")
    upgrade_to_head(url)
    with pytest.raises(SystemExit) as refused:
        main(["baseline", "learn", "42", str(plaza()), "--start", "2026-11-24T03:00:00+00:00"])
    assert "vigil baseline learn: no camera 42" in str(refused.value)
