"""The plaza through a live camera unit and through the offline replay, for the same profile: the same
incidents, at the same times.

The live unit plays the file as a camera sends it (in real time, once), with every default model in the
process pool; the replay feeds the same file through the offline chain as fast as this machine allows.
The plaza's incidents come from its sounds (a scream, breaking glass, a siren), which both paths hear in
the same 3 s windows; nobody falls or fights, and the profile has no zones, so no video rule fires on
either path. A difference here means the two paths have drifted apart."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest

from tests.alerts.support import wait_until
from tests.media import plaza
from tests.test_detect import config  # noqa: F401 (the fixture: every default model)
from vigil.camera.offline import ReplayedIncident, incidents_of, replay
from vigil.camera.profile import CameraProfile, CameraSpec
from vigil.camera.unit import CameraUnit, UnitParts
from vigil.camera.units import CameraUnits
from vigil.domain import Observation, SourceKind
from vigil.fusion import FusionEngine, IncidentUpdate, load_default_rules
from vigil.ingest.webrtc import WebRtcRegistry
from vigil.perception.sound.gate import LoudnessGate
from vigil.perception.worker import PerceptionConfig, analyse_audio, analyse_frame, init_worker
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool

pytestmark = pytest.mark.slow

PLAZA_S = 79.5  # ../shared/media/scenarios/plaza_incident.json
SAME_TIME_S = 2.0  # live windows start where the stream's chunks fall, the replay's at 0: a window apart


async def live(config: PerceptionConfig, profile: CameraProfile) -> list[ReplayedIncident]:  # noqa: F811
    rules = load_default_rules()
    units = CameraUnits()
    engine = FusionEngine(rules, zones_of=units.zones)
    updates: list[IncidentUpdate] = []
    last_t = [0.0]

    async def sink(observation: Observation) -> None:
        updates.extend(engine.feed(observation))
        last_t[0] = max(last_t[0], observation.t_s)

    pool = AnalysisPool(1, init_worker, analyse_frame, initargs=(config,), analyse_audio=analyse_audio)
    parts = UnitParts(pool, PipelineMetrics(), WebRtcRegistry(), sink, sound_gate=LoudnessGate)
    unit = CameraUnit(profile, parts)
    units.add(unit)
    try:
        assert unit.task is not None
        started = time.monotonic()
        await asyncio.wait_for(asyncio.shield(unit.task), timeout=PLAZA_S + 120)  # the file ends
        pipeline = unit.pipeline
        assert pipeline is not None
        await wait_until(lambda: pipeline.pending == 0, 60, "the last analyses")
        assert time.monotonic() - started >= PLAZA_S - 5  # it played in real time
    finally:
        await unit.close()
        await asyncio.to_thread(pool.shutdown)
    return incidents_of(updates + engine.flush(last_t[0]))


async def test_live_and_replay_give_the_plaza_the_same_incidents(config: PerceptionConfig) -> None:  # noqa: F811
    spec = CameraSpec(1, SourceKind.FILE, str(plaza()), 5.0, True, file_loop=False, file_realtime=True)
    profile = CameraProfile(spec)

    started = datetime.now(UTC)  # both paths' wall clock starts here (the rules' schedules read it)
    live_incidents = await live(config, profile)
    replayed = await asyncio.to_thread(
        replay, plaza(), config, load_default_rules(), fps=5.0, start=started, zones=profile.zones
    )

    assert [i.rule for i in replayed] == ["distress", "glass_break", "alarm"], replayed
    assert [i.rule for i in live_incidents] == [i.rule for i in replayed], (live_incidents, replayed)
    for on_air, offline in zip(live_incidents, replayed, strict=True):
        assert abs(on_air.start_s - offline.start_s) <= SAME_TIME_S, (on_air, offline)
