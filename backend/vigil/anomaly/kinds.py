"""The measures a camera's activity is summarised in, per slot, and how each one is judged.

A measure key is the kind, optionally `:zone`, optionally `:direction`: `people`, `dwell:Gate`,
`direction:Gate:left`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Transform = Literal["log1p", "identity"]
DIRECTIONS = ("left", "right", "up", "down")


@dataclass(frozen=True, slots=True)
class MeasureKind:
    name: str
    label: str  # words for people
    unit: str
    transform: Transform
    floor: float  # the smallest spread, on the transformed scale
    min_change: float  # the smallest raw difference from the expected middle that can be unusual
    low_side: bool  # whether "too little" is reported
    lowest: float = 0.0  # the raw values the measure can take, for the expected band
    highest: float = math.inf

    def forward(self, value: float) -> float:
        """Raw value onto the scale the statistics live on."""
        if self.transform == "log1p":
            return math.log1p(max(value, 0.0))
        return value

    def back(self, value: float) -> float:
        """The transformed scale back to raw units, within what the measure can take."""
        raw = math.expm1(value) if self.transform == "log1p" else value
        return min(max(raw, self.lowest), self.highest)


# Floors and smallest changes, reasoned from what a slot's value means (docs/anomaly.md, "Measures"):
# counts are mean people per analysed frame, so a floor of 0.25 on log1p means a camera that always shows
# nobody needs about two people on average over the slot before it is unusual (docs/anomaly.md).
KINDS: Mapping[str, MeasureKind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            MeasureKind("people", "people in view", "people", "log1p", 0.25, 1.0, True),
            MeasureKind("vehicles", "vehicles in view", "vehicles", "log1p", 0.25, 1.0, True),
            MeasureKind("motion", "motion", "% of frame", "log1p", 0.25, 3.0, True, highest=100.0),
            MeasureKind("sound_level", "sound level", "dBFS", "identity", 2.0, 6.0, True, -90.0, 0.0),
            MeasureKind("sound_events", "sound events", "a minute", "log1p", 0.25, 2.0, True),
            MeasureKind("dwell", "time spent in zone", "s", "log1p", 0.3, 45.0, False),
            MeasureKind("speed", "walking speed in zone", "frame widths/s", "identity", 0.03, 0.1, False),
            MeasureKind("direction", "people heading this way in zone", "a minute", "log1p", 0.2, 1.0, False),
        )
    }
)


def _parts(measure: str) -> list[str]:
    parts = measure.split(":")
    kind = parts[0]
    if kind not in KINDS:
        raise ValueError(f"unknown measure kind {kind!r} in {measure!r}; known: {', '.join(KINDS)}")
    if kind == "direction":
        if len(parts) != 3 or not parts[1] or parts[2] not in DIRECTIONS:
            raise ValueError(f"{measure!r}: a direction measure is direction:<zone>:<{'|'.join(DIRECTIONS)}>")
    elif kind in ("dwell", "speed"):
        if len(parts) != 2 or not parts[1]:
            raise ValueError(f"{measure!r}: a {kind} measure names its zone, {kind}:<zone>")
    elif len(parts) > 2 or (len(parts) == 2 and not parts[1]):
        raise ValueError(f"{measure!r}: expected {kind} or {kind}:<zone>")
    return parts


def kind_of(measure: str) -> MeasureKind:
    """`dwell:Gate` -> KINDS["dwell"]; an unknown kind or a malformed key is a ValueError."""
    return KINDS[_parts(measure)[0]]


def zone_of(measure: str) -> str | None:
    """`dwell:Gate` -> `Gate`; `direction:Gate:left` -> `Gate`; `people` -> None."""
    parts = _parts(measure)
    return parts[1] if len(parts) > 1 else None


def describe(measure: str) -> str:
    """Words for people: `time spent in zone Gate`, `people heading left in zone Gate`."""
    parts = _parts(measure)
    kind = KINDS[parts[0]]
    if kind.name == "direction":
        return f"people heading {parts[2]} in zone {parts[1]}"
    if len(parts) == 2:
        zone = parts[1]
        return f"{kind.label} {zone}" if kind.label.endswith(" in zone") else f"{kind.label}, zone {zone}"
    return kind.label
