"""Every camera's activity judged against its own baseline, slot by slot (pure; the store persists it).

Each closed slot is judged first and learned after, measure by measure, at its hour of the week in the
camera's time zone: a slot never judges itself. While a camera has fewer than `min_days` days of history
it only learns ("learning, N of M days"); after that, a measure past the baseline's threshold becomes an
`Anomaly` in an observation of modality "activity", which fusion's `anomaly` rule reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo

from vigil.anomaly.activity import ActivityMeter, Slot
from vigil.anomaly.baseline import BaselineSettings, CameraBaseline, Verdict, hour_label, hour_of_week
from vigil.anomaly.kinds import kind_of
from vigil.domain import Anomaly, Observation
from vigil.tracking.zones import Zone


@dataclass(frozen=True, slots=True)
class WatchSettings:
    slot_s: float = 300.0
    min_days: int = 7  # days of history before anything fires
    min_coverage_s: float = 60.0  # a slot that saw the camera for less is neither judged nor learned


@dataclass(frozen=True, slots=True)
class JudgedSlot:
    """A closed slot, each measure judged against what the baseline knew before it."""

    slot: Slot
    hour_of_week: int
    day: int  # the camera-local date's ordinal
    verdicts: tuple[Verdict, ...]
    learning: bool  # too little history: verdicts are shown, nothing fires
    anomalies: tuple[Anomaly, ...]

    def observation(self) -> Observation | None:
        """What fusion reads: the slot's anomalies, at its last instant (None when there are none)."""
        if not self.anomalies:
            return None
        end_wall = self.slot.start.timestamp() + self.slot.slot_s
        return Observation(
            self.slot.camera_id, self.slot.end_s, end_wall, anomalies=self.anomalies, modality="activity"
        )


class ActivityWatch:
    """One `ActivityMeter` and one `CameraBaseline` per camera. Feed it every observation in order."""

    def __init__(
        self,
        settings: WatchSettings,
        tz_of: Callable[[int], tzinfo],
        zones_of: Callable[[int], Sequence[Zone]],
        baseline_settings: BaselineSettings | None = None,
    ) -> None:
        self.settings = settings
        self._tz_of = tz_of
        self._zones_of = zones_of
        self._baseline_settings = baseline_settings or BaselineSettings()
        self._meters: dict[int, ActivityMeter] = {}
        self._baselines: dict[int, CameraBaseline] = {}

    def knows(self, camera_id: int) -> bool:
        """Whether the camera's baseline is in memory (else the caller loads it first)."""
        return camera_id in self._baselines

    def load(self, camera_id: int, baseline: CameraBaseline) -> None:
        self._baselines[camera_id] = baseline

    def baseline(self, camera_id: int) -> CameraBaseline:
        found = self._baselines.get(camera_id)
        if found is None:
            found = self._baselines[camera_id] = CameraBaseline(settings=self._baseline_settings)
        return found

    def empty_baseline(self) -> CameraBaseline:
        return CameraBaseline(settings=self._baseline_settings)

    def observe(self, observation: Observation) -> JudgedSlot | None:
        if observation.modality == "activity":
            return None
        camera_id = observation.camera_id
        meter = self._meters.get(camera_id)
        if meter is None:
            meter = ActivityMeter(camera_id, self.settings.slot_s, self.settings.min_coverage_s)
            self._meters[camera_id] = meter
        closed = meter.observe(observation, tuple(self._zones_of(camera_id)))
        return self._judge(closed) if closed is not None else None

    def advance(self, camera_id: int, wall_time_s: float) -> JudgedSlot | None:
        """Close the camera's slot once the clock passed its end (a camera sending nothing)."""
        meter = self._meters.get(camera_id)
        if meter is None or not meter.due(wall_time_s):
            return None
        closed = meter.close()
        return self._judge(closed) if closed is not None else None

    def flush(self, camera_id: int) -> JudgedSlot | None:
        """The recording ended (or the camera stops): judge what its running slot saw."""
        meter = self._meters.pop(camera_id, None)
        closed = meter.close() if meter is not None else None
        return self._judge(closed) if closed is not None else None

    def forget(self, camera_id: int) -> None:
        """The camera was deleted or its baseline reset: drop what is in memory."""
        self._meters.pop(camera_id, None)
        self._baselines.pop(camera_id, None)

    def cameras(self) -> list[int]:
        return sorted(self._meters)

    def _judge(self, slot: Slot) -> JudgedSlot:
        baseline = self.baseline(slot.camera_id)
        local = slot.start.astimezone(self._tz_of(slot.camera_id))
        hour = hour_of_week(local)
        day = local.date().toordinal()
        days = baseline.days_learned
        learning = days < self.settings.min_days
        verdicts = []
        for measure, value in sorted(slot.values.items()):
            verdicts.append(baseline.judge(measure, hour, value))
            baseline.learn(measure, hour, value)
        baseline.note_day(day)
        anomalies: tuple[Anomaly, ...] = ()
        if not learning:
            label = hour_label(hour)
            anomalies = tuple(_anomaly(v, slot, label, days) for v in verdicts if v.direction is not None)
        return JudgedSlot(slot, hour, day, tuple(verdicts), learning, anomalies)


def _anomaly(verdict: Verdict, slot: Slot, hour: str, days: int) -> Anomaly:
    expected = verdict.expected
    assert expected is not None  # a verdict with a side has a baseline
    assert verdict.direction is not None
    return Anomaly(
        measure=verdict.measure,
        kind=kind_of(verdict.measure).name,
        conf=verdict.strength,
        t_s=slot.t_s,
        end_s=slot.end_s,
        value=verdict.value,
        low=expected.low,
        mid=expected.mid,
        high=expected.high,
        direction=verdict.direction,
        detail=verdict.words(hour, days),
    )
