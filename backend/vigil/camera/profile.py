"""What a camera is to the chain: one frozen `CameraProfile`, built from the stored camera, handed whole
to its unit (`CameraUnit.apply`). Readers (fusion, incident media, live view) look it up, keeping no copy."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.domain import SourceKind
from vigil.tracking.zones import Point, Zone

Polygon = tuple[Point, ...]


@dataclass(frozen=True)
class CameraSpec:
    """What the camera's source and sampling need; a change of any field reconnects the camera."""

    id: int
    kind: SourceKind
    url: str
    analysis_fps: float
    enabled: bool
    file_loop: bool = True
    file_realtime: bool = True
    transcribe: bool = False  # speech to text for this camera (off by default: privacy)
    detect_url: str = ""  # RTSP: a substream analysed instead of `url`, whose packets still make the clips


@dataclass(frozen=True)
class CameraProfile:
    """A camera as the operator set it up: its source (`spec`), the zones tracking, actions and fusion use,
    the privacy masks blacked out in its live view and incident media, and whether faces are blurred in
    that media. Zones, masks and privacy change without reconnecting the camera."""

    spec: CameraSpec
    zones: tuple[Zone, ...] = ()
    masks: tuple[Polygon, ...] = ()
    privacy: bool = False

    @property
    def camera_id(self) -> int:
        return self.spec.id
