"""A camera's zones as the API stores them, through its camera unit (tracking, actions) and the fusion
engine reading the unit's profile, as the server wires them: loitering in a loiter zone becomes an
incident, and new zones reach both through the unit's one `apply`."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from tests.camera_units import change, idle_unit
from tests.tracking.test_actions import lingerer, observations
from vigil.api.pipelines import zones_of
from vigil.camera.unit import CameraUnit
from vigil.camera.units import CameraUnits
from vigil.domain import Observation, UpdateKind
from vigil.fusion import FusionEngine, IncidentUpdate, load_default_rules
from vigil.tracking.zones import Zone, ZoneKind

NOON_S = 12 * 3600.0  # wall time of the observations: 1970-01-01 12:00 UTC, daytime for the schedules
BENCH = {"name": "bench", "kind": "loiter", "points": [[0.3, 0.6], [0.7, 0.6], [0.7, 0.95], [0.3, 0.95]]}


def stored_zones(loiter_s: float | None = 20.0) -> list[dict[str, Any]]:
    return [{**BENCH, "loiter_s": loiter_s}]


def lingering(seconds: float) -> list[Observation]:
    """One person shuffling around a spot inside the bench zone, at 5 fps."""
    return [dataclasses.replace(o, wall_time_s=NOON_S + o.t_s) for o in observations(lingerer, seconds)]


def camera(zones: tuple[Zone, ...]) -> tuple[CameraUnit, FusionEngine]:
    """Camera 1's unit (switched off: its observations are fed by hand) and a fusion engine that reads
    its zones from the unit's profile, as the server's does."""
    units = CameraUnits()
    unit = idle_unit(units, 1, zones=zones)
    return unit, FusionEngine(load_default_rules(), zones_of=units.zones)


def run(unit: CameraUnit, engine: FusionEngine, stream: list[Observation]) -> list[IncidentUpdate]:
    updates = []
    for observation in stream:
        updates += engine.feed(unit.track(observation))
    return updates


def opened(updates: list[IncidentUpdate], label: str) -> list[IncidentUpdate]:
    return [u for u in updates if u.kind is UpdateKind.OPENED and u.label == label]


def test_stored_zones_become_tracking_zones() -> None:
    assert zones_of(stored_zones()) == (
        Zone("bench", ((0.3, 0.6), (0.7, 0.6), (0.7, 0.95), (0.3, 0.95)), ZoneKind.LOITER, 20.0),
    )
    assert zones_of([{**BENCH, "kind": "restricted"}])[0].loiter_s is None


def test_lingering_in_a_loiter_zone_is_a_loitering_incident_after_the_zones_dwell() -> None:
    unit, engine = camera(zones_of(stored_zones(loiter_s=20.0)))

    loitering = opened(run(unit, engine, lingering(30.0)), "loitering")

    assert len(loitering) == 1
    assert 20.0 <= loitering[0].t_s <= 25.0
    assert "zone bench" in loitering[0].explanation.summary()


def test_without_zones_the_same_person_is_no_loitering_incident() -> None:
    unit, engine = camera(())
    assert opened(run(unit, engine, lingering(30.0)), "loitering") == []


@pytest.mark.parametrize(
    ("name_after", "expected_from_s"),
    [
        ("bench", 20.0),  # the same zones again (another field of the camera changed): nothing restarts
        ("bench 2", 35.0),  # changed zones at 15 s: 20 s in the new zone, not 20 s since the person came
    ],
)
def test_changed_zones_start_the_cameras_dwell_clocks_again(name_after: str, expected_from_s: float) -> None:
    unit, engine = camera(zones_of(stored_zones(loiter_s=20.0)))
    stream = lingering(45.0)
    assert opened(run(unit, engine, [o for o in stream if o.t_s < 15.0]), "loitering") == []
    after = zones_of([{**BENCH, "name": name_after, "loiter_s": 20.0}])
    asyncio.run(change(unit, zones=after))

    loitering = opened(run(unit, engine, [o for o in stream if o.t_s >= 15.0]), "loitering")

    assert len(loitering) == 1
    assert expected_from_s <= loitering[0].t_s <= expected_from_s + 5.0
    assert f"zone {name_after}" in loitering[0].explanation.summary()
