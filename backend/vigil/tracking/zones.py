"""Zones of a camera's view and how long each track has stood in each.

A zone is a polygon in normalised frame coordinates (0..1 from the top-left corner, like `Box`). A track is
in a zone when its foot point — the bottom-centre of its box, where a person stands on the ground — is
inside the polygon (ray casting; a point exactly on an edge may fall either way). Using the foot and not
the box centre means a person standing in front of a zone drawn on the ground is not counted in it.

`ZoneDwell` keeps, per track and zone, when the track entered and when it was last inside; a track that is
outside (or unseen) for longer than `exit_grace_s` has left, and a later entry starts a new stay.

A zone of kind `privacy` is not a zone for tracking and fusion but a privacy mask: the polygon is blacked
out in every picture that leaves the server (`media.privacy.mask_polygons`). `tracked_zones` and
`privacy_masks` split a camera's zones into the two.

A zone may have closed hours (a yard locked at night, a shop after closing): inside them it also counts as
kind `closed` for fusion (`CLOSED`), which is where the default intrusion rule applies out of hours. A
place nobody marked closed is never an intruder's place, so a public plaza at night raises nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from vigil.domain import Box
from vigil.schedule import in_window

Point = tuple[float, float]

EXIT_GRACE_S = 1.0
"""A track outside its zone (or unseen) for up to this long is still in it: a foot point jittering across
the border, or one missed detection, does not restart the dwell clock."""


CLOSED = "closed"
"""The kind a zone also has for fusion while inside its closed hours."""


@dataclass(frozen=True, slots=True)
class ClosedHours:
    """A daily window ('HH:MM', wrapping past midnight; `days` None = every day) when a zone is closed."""

    start: str
    end: str
    days: tuple[str, ...] | None = None

    def matches(self, minute_of_day: int, weekday: int) -> bool:
        return in_window(self.start, self.end, self.days, minute_of_day, weekday)

    @property
    def label(self) -> str:
        days = f" {','.join(self.days)}" if self.days else ""
        return f"closed {self.start}–{self.end}{days}"


class ZoneKind(StrEnum):
    """What a zone is for; fusion decides how serious presence in it is."""

    RESTRICTED = "restricted"  # nobody should be here at all
    LOITER = "loiter"  # passing is fine, lingering is not
    PRIVACY = "privacy"  # not a zone: a privacy mask, blacked out in every picture that leaves the server


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    points: tuple[Point, ...]
    kind: ZoneKind = ZoneKind.LOITER
    loiter_s: float | None = None  # this zone's loitering threshold; None: the recognizer's default
    closed_hours: tuple[ClosedHours, ...] = ()

    def __post_init__(self) -> None:
        if len(self.points) < 3:
            raise ValueError(f"zone {self.name!r} needs at least 3 points, got {len(self.points)}")
        for x, y in self.points:
            if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                raise ValueError(f"zone {self.name!r}: point ({x}, {y}) is not normalised to 0..1")

    def contains(self, point: Point) -> bool:
        return point_in_polygon(point, self.points)

    def closed_window(self, minute_of_day: int, weekday: int) -> ClosedHours | None:
        """The closed-hours window the moment falls in (`weekday` 0 = Monday), or None: open."""
        return next((w for w in self.closed_hours if w.matches(minute_of_day, weekday)), None)


@dataclass(frozen=True, slots=True)
class ZoneStay:
    """One track's current stay in one zone."""

    zone: Zone
    track_id: int
    entered_s: float
    last_inside_s: float

    @property
    def dwell_s(self) -> float:
        return self.last_inside_s - self.entered_s


def tracked_zones(zones: Iterable[Zone]) -> tuple[Zone, ...]:
    """The zones tracking, actions and fusion use: every kind but privacy masks."""
    return tuple(zone for zone in zones if zone.kind is not ZoneKind.PRIVACY)


def privacy_masks(zones: Iterable[Zone]) -> tuple[tuple[Point, ...], ...]:
    """The polygons of the privacy masks among `zones`."""
    return tuple(zone.points for zone in zones if zone.kind is ZoneKind.PRIVACY)


def foot_point(box: Box) -> Point:
    """Bottom-centre of a box: where a standing person touches the ground."""
    return ((box.x1 + box.x2) / 2.0, box.y2)


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Even-odd ray casting: count the polygon edges a horizontal ray to the right of the point crosses."""
    x, y = point
    inside = False
    n = len(polygon)
    for i in range(n):
        xi, yi = polygon[i]
        xj, yj = polygon[i - 1]
        if (yi > y) != (yj > y):
            x_cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < x_cross:
                inside = not inside
    return inside


class ZoneDwell:
    """Stays of tracks in zones, updated with each observation's tracks (id, box, seen now or not)."""

    def __init__(self, zones: Iterable[Zone], exit_grace_s: float = EXIT_GRACE_S) -> None:
        self.zones = tuple(zones)
        names = [z.name for z in self.zones]
        if len(set(names)) != len(names):
            raise ValueError(f"zone names must be unique: {names}")
        self.exit_grace_s = exit_grace_s
        self._stays: dict[tuple[int, str], ZoneStay] = {}

    def update(self, t_s: float, seen: Iterable[tuple[int, Box]]) -> list[ZoneStay]:
        """`seen`: (track id, box) of the tracks seen at `t_s`. Returns the current stays, longest first."""
        for track_id, box in seen:
            foot = foot_point(box)
            for zone in self.zones:
                if not zone.contains(foot):
                    continue
                key = (track_id, zone.name)
                stay = self._stays.get(key)
                entered = stay.entered_s if stay is not None else t_s
                self._stays[key] = ZoneStay(zone, track_id, entered, t_s)
        self._stays = {k: s for k, s in self._stays.items() if t_s - s.last_inside_s <= self.exit_grace_s}
        return sorted(self._stays.values(), key=lambda s: -s.dwell_s)

    def stays(self) -> list[ZoneStay]:
        return sorted(self._stays.values(), key=lambda s: -s.dwell_s)

    def zones_of(self, track_id: int) -> list[Zone]:
        return [s.zone for s in self._stays.values() if s.track_id == track_id]
