"""Per-camera tracking of detections (ids, velocities, pose histories) and zones with dwell times."""

from vigil.tracking.tracker import TimedPose, Track, Tracker, TrackerConfig
from vigil.tracking.zones import Zone, ZoneDwell, ZoneKind, ZoneStay, foot_point, point_in_polygon

__all__ = [
    "TimedPose",
    "Track",
    "Tracker",
    "TrackerConfig",
    "Zone",
    "ZoneDwell",
    "ZoneKind",
    "ZoneStay",
    "foot_point",
    "point_in_polygon",
]
