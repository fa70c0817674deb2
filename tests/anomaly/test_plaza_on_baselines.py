"""The shared plaza replayed on top of two learned baselines: at 03:00 on a camera whose nights are empty
and quiet, its people, motion and sound are an anomaly; at 15:00 on a camera whose afternoons are as busy
as the plaza, they are not."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

import numpy as np
import pytest

from tests.media import plaza
from tests.test_detect import config  # noqa: F401 (the fixture: every default model)
from vigil.anomaly.baseline import CameraBaseline
from vigil.anomaly.watch import ActivityWatch, JudgedSlot, WatchSettings
from vigil.camera.offline import CAMERA_ID, ReplayedIncident, replay
from vigil.domain import Observation
from vigil.fusion import load_default_rules
from vigil.perception.worker import PerceptionConfig

TUESDAY = datetime(2026, 11, 24, tzinfo=UTC)
DAYS = 14
SLOTS_AN_HOUR = 12


class RecordingWatch(ActivityWatch):
    """The product's watch, keeping each judged slot for the test to read."""

    def __init__(self) -> None:
        super().__init__(WatchSettings(slot_s=60.0, min_days=7), _utc, lambda _camera: ())
        self.judged: list[JudgedSlot] = []

    def observe(self, observation: Observation) -> JudgedSlot | None:
        return self._kept(super().observe(observation))

    def flush(self, camera_id: int) -> JudgedSlot | None:
        return self._kept(super().flush(camera_id))

    def _kept(self, judged: JudgedSlot | None) -> JudgedSlot | None:
        if judged is not None:
            self.judged.append(judged)
        return judged


def _utc(_camera: int) -> tzinfo:
    return UTC


def learn(baseline: CameraBaseline, hours: range, values: dict[str, float], seed: int) -> None:
    """`DAYS` days of slots in `hours` of each day, around `values` with day-to-day noise."""
    rng = np.random.default_rng(seed)
    for day in range(DAYS):
        for hour in hours:
            for _slot in range(SLOTS_AN_HOUR):
                for measure, value in values.items():
                    if measure == "sound_level":
                        noisy = value + rng.normal(0.0, 2.0)
                    else:
                        noisy = value * float(np.exp(rng.normal(0.0, 0.25)))
                    baseline.learn(measure, (day % 7) * 24 + hour, noisy)
        baseline.note_day(TUESDAY.date().toordinal() - DAYS + day)


def anomalies_of(incidents: list[ReplayedIncident]) -> list[ReplayedIncident]:
    return [i for i in incidents if i.rule == "anomaly"]


def words(incident: ReplayedIncident) -> str:
    items = [item for term in incident.explanation["terms"] for item in term["evidence_items"]]
    return " | ".join(str(item["detail"]) for item in items)


@pytest.mark.slow
def test_the_plaza_is_an_anomaly_on_quiet_nights_and_usual_on_busy_afternoons(
    config: PerceptionConfig,  # noqa: F811
) -> None:
    rules = load_default_rules()
    night = RecordingWatch()
    quiet = {"people": 0.05, "vehicles": 0.02, "motion": 0.3, "sound_level": -60.0, "sound_events": 0.1}
    learn(night.baseline(CAMERA_ID), range(2, 5), quiet, seed=1)
    at_night = replay(plaza(), config, rules, fps=2.0, start=TUESDAY.replace(hour=3), activity=night)
    found = anomalies_of(at_night)
    assert len(found) == 1, [(i.rule, i.start_s) for i in at_night]
    assert "people in view" in words(found[0])
    assert "Tue 03:00" in words(found[0])
    assert "14 days" in words(found[0])
    measured = night.judged[0].slot.values
    assert measured["people"] > 1.0  # the plaza's people, as the night slot measured them

    afternoon = RecordingWatch()
    busy = {name: measured[name] for name in quiet}
    learn(afternoon.baseline(CAMERA_ID), range(14, 17), busy, seed=2)
    at_afternoon = replay(plaza(), config, rules, fps=2.0, start=TUESDAY.replace(hour=15), activity=afternoon)
    assert anomalies_of(at_afternoon) == [], [words(i) for i in anomalies_of(at_afternoon)]
    usual = [i.rule for i in at_afternoon]
    assert {"distress", "glass_break", "alarm"} <= set(usual)  # the plaza's own incidents are still there
