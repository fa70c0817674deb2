"""Nights of a camera's activity as observations, for the tests that need days of history in minutes:
fed straight into a running server's recorder, on days a week or more ahead so that the recorder's own
clock never closes their slots early."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from vigil.domain import Box, Detection, Observation

STEP_S = 5.0


def _first_monday() -> datetime:
    """A Monday 00:00 UTC at least a week ahead."""
    soon = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=8)
    return soon + timedelta(days=(7 - soon.weekday()) % 7)


MONDAY = _first_monday()


def night(camera_id: int, day: int, people: int, minutes: float = 20, hour: int = 3) -> Iterator[Observation]:
    """`hour`:00 (03:00 by default) on day `day` after MONDAY, for `minutes`: a frame and a sound window
    every 5 s, `people` standing still."""
    start = MONDAY + timedelta(days=day, hours=hour)
    for i in range(int(minutes * 60 / STEP_S)):
        wall = start.timestamp() + i * STEP_S
        t_s = wall - MONDAY.timestamp()
        boxes = [Box(0.1 * k, 0.5, 0.1 * k + 0.05, 0.8) for k in range(people)]
        detections = tuple(Detection("person", 0.8, box, track_id=k + 1) for k, box in enumerate(boxes))
        yield Observation(camera_id, t_s, wall, motion=0.002 + 0.01 * people, detections=detections)
        yield Observation(camera_id, t_s + 0.5, wall + 0.5, modality="audio", sound_level_db=-62.0)


async def feed(app: FastAPI, observations: Iterator[Observation]) -> None:
    recorder = app.state.runtime.incidents
    for observation in observations:
        await recorder.observe(observation)
