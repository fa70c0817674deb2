"""A camera unit on a real file camera of the plaza (the analysis is a pass-through, no models): its one
`apply` takes new zones and masks to tracking, fusion, the incident media and the live view without
reconnecting; a new source reconnects; `close` releases the buffers and the tasks."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import pytest

from tests.alerts.support import wait_until
from tests.media import plaza
from vigil.api.livefeed import LiveFeed
from vigil.camera.profile import CameraProfile, CameraSpec
from vigil.camera.unit import CameraUnit, UnitParts
from vigil.camera.units import CameraUnits
from vigil.cli.bench import no_models, pass_through
from vigil.domain import Observation, SourceKind
from vigil.fusion import FusionEngine, load_default_rules
from vigil.incidents.artifacts import ClipTiming, IncidentMedia
from vigil.ingest.webrtc import WebRtcRegistry
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool
from vigil.tracking.zones import Zone, ZoneKind

pytestmark = pytest.mark.slow

DOOR = Zone("door", ((0.1, 0.5), (0.4, 0.5), (0.4, 1.0), (0.1, 1.0)), ZoneKind.RESTRICTED)
WINDOW = ((0.6, 0.0), (1.0, 0.0), (1.0, 0.3))


@dataclasses.dataclass
class Plaza:
    unit: CameraUnit
    units: CameraUnits
    seen: list[Observation]
    engine: FusionEngine
    feed: LiveFeed
    media: IncidentMedia


@pytest.fixture
async def camera(tmp_path: Path) -> AsyncIterator[Plaza]:
    seen: list[Observation] = []
    units = CameraUnits()
    engine = FusionEngine(load_default_rules(), zones_of=units.zones)

    async def sink(observation: Observation) -> None:
        seen.append(observation)
        engine.feed(observation)

    pool = AnalysisPool(1, no_models, pass_through, shared_memory=False)
    parts = UnitParts(pool, PipelineMetrics(), WebRtcRegistry(), sink, pre_roll_s=5.0)
    spec = CameraSpec(1, SourceKind.FILE, str(plaza()), 4.0, enabled=True)
    unit = CameraUnit(CameraProfile(spec), parts)
    units.add(unit)
    feed = LiveFeed(object(), masks_of=units.masks)
    media = IncidentMedia(
        tmp_path,
        cast(Any, None),
        units.pipeline,
        lambda *_: asyncio.sleep(0),
        ClipTiming(),
        masks_of=units.masks,
        is_private_of=units.is_private,
    )
    try:
        yield Plaza(unit, units, seen, engine, feed, media)
    finally:
        await unit.close()
        await asyncio.to_thread(pool.shutdown)


async def test_new_zones_and_masks_reach_every_reader_without_a_reconnect(camera: Plaza) -> None:
    unit = camera.unit
    await wait_until(lambda: len(camera.seen) >= 3, 60, "analysed frames")
    pipeline, source = unit.pipeline, unit.source
    assert pipeline is not None
    assert source is not None
    before = len(camera.seen)

    await unit.apply(dataclasses.replace(unit.profile, zones=(DOOR,), masks=(WINDOW,), privacy=True))

    assert (unit.pipeline, unit.source) == (pipeline, source)  # the same connection goes on
    assert camera.engine.zones(1) == (DOOR,)  # fusion
    assert camera.feed.masks(1) == (WINDOW,)  # live view
    assert camera.media.masks(1) == (WINDOW,)
    assert camera.media.is_private(1)
    await wait_until(lambda: len(camera.seen) >= before + 3, 30, "frames after the change")
    newest = camera.seen[-1]
    assert newest.t_s > camera.seen[before - 1].t_s  # the camera's clock went on: no restart from 0
    assert unit.tracking_zones == (DOOR,)  # tracking started again, in the new zones


async def test_a_new_source_setting_reconnects_and_close_releases_buffers_and_tasks(camera: Plaza) -> None:
    unit = camera.unit
    await wait_until(lambda: unit.pipeline is not None and len(unit.pipeline.packets) > 0, 60, "packets")
    first = unit.pipeline
    assert first is not None

    await unit.apply(
        dataclasses.replace(unit.profile, spec=dataclasses.replace(unit.profile.spec, analysis_fps=2))
    )

    assert unit.pipeline is not None
    assert unit.pipeline is not first
    assert len(first.packets) == 0
    assert len(first.audio) == 0
    assert first.pending == 0
    await wait_until(lambda: unit.pipeline is not None and len(unit.pipeline.packets) > 0, 60, "packets")
    second, task = unit.pipeline, unit.task
    assert task is not None

    await unit.close()

    assert unit.pipeline is None
    assert camera.units.pipeline(1) is None
    assert task.done()
    assert len(second.packets) == 0
    assert len(second.audio) == 0
    assert second.latest_frame is None
    assert second.pending == 0
