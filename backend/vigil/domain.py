"""The shared vocabulary of every stage. No I/O, no imports of our own modules."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A user's global role. Admins see everything; operators may own cameras; viewers only see shares."""

    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


class ShareRole(StrEnum):
    """What a user a camera is shared with may do: watch, or also act on its incidents."""

    VIEWER = "viewer"
    OPERATOR = "operator"


class SourceKind(StrEnum):
    RTSP = "rtsp"
    FILE = "file"
    USB = "usb"
    WEBRTC = "webrtc"


class IncidentStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ArtifactKind(StrEnum):
    CLIP = "clip"
    SNAPSHOT = "snapshot"
    AUDIO = "audio"


class CameraAccess(StrEnum):
    """What one user may do with one camera, strongest last."""

    VIEW = "view"
    OPERATE = "operate"
    MANAGE = "manage"
