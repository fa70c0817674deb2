"""The shared vocabulary of every stage. No I/O, no imports of our own modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray


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


class UpdateKind(StrEnum):
    """What an incident update says (fusion makes them; the database stores the last one)."""

    OPENED = "opened"
    UPDATED = "updated"
    CLOSED = "closed"


class ChannelKind(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WEBHOOK = "webhook"
    MQTT = "mqtt"
    WEBPUSH = "webpush"  # the route owner's subscribed browsers and phones (Web Push)


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # recorded, not tried yet
    RETRYING = "retrying"  # an attempt failed; another one is scheduled
    DELIVERED = "delivered"
    FAILED = "failed"  # out of attempts, or an error that no retry can fix


class CameraAccess(StrEnum):
    """What one user may do with one camera, strongest last."""

    VIEW = "view"
    OPERATE = "operate"
    MANAGE = "manage"


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded video frame. `t_s` is on the source's clock, shared with its audio chunks."""

    camera_id: int
    index: int
    t_s: float
    wall_time_s: float
    image: NDArray[np.uint8] = field(repr=False)  # H×W×3, RGB

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])


AUDIO_SAMPLE_RATE = 16_000


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """Mono audio at `sample_rate` (16 kHz after ingest) starting at `t_s` on the source's clock."""

    camera_id: int
    t_s: float
    wall_time_s: float
    samples: NDArray[np.float32] = field(repr=False)  # in [-1, 1]
    sample_rate: int = AUDIO_SAMPLE_RATE

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """One stream of a source as read in one connection: what a muxer needs to write its packets into a file
    without decoding them, or a decoder needs to read them. A reconnect makes a new object (`session` + 1)."""

    kind: str  # "video" or "audio"
    codec: str  # FFmpeg's codec name: "h264", "hevc", "mpeg4", "aac", "pcm_mulaw", ...
    time_base: Fraction  # of the packets' pts/dts/duration
    extradata: bytes = field(default=b"", repr=False)  # SPS/PPS (avcC or Annex B), AudioSpecificConfig, ...
    width: int = 0
    height: int = 0
    pix_fmt: str = ""
    frame_rate: float = 0.0
    sample_rate: int = 0
    layout: str = ""  # "mono", "stereo", ...
    session: int = 0

    def same_format(self, other: StreamInfo) -> bool:
        """Packets of both can go into one stream of one file (everything equal but the session)."""
        return (self.kind, self.codec, self.time_base, self.extradata, self.width, self.height) == (
            other.kind,
            other.codec,
            other.time_base,
            other.extradata,
            other.width,
            other.height,
        ) and (self.sample_rate, self.layout) == (other.sample_rate, other.layout)


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    """A compressed packet kept for pre-roll clips (cut without re-encoding). `pts`/`dts`/`duration` are in
    `info.time_base`; `t_s` is the presentation time on the camera's clock. Producers that know no stream
    parameters leave `info` None (such packets can only be muxed with the parameters passed separately)."""

    stream: str  # "video" or "audio"
    t_s: float
    data: bytes = field(repr=False)
    is_keyframe: bool = False
    pts: int | None = None
    dts: int | None = None
    duration: int = 0
    info: StreamInfo | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Box:
    """Normalised to the frame: 0..1 from the top-left corner."""

    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True, slots=True)
class Detection:
    label: str
    conf: float
    box: Box
    track_id: int | None = None


EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")


@dataclass(frozen=True, slots=True)
class Emotion:
    """The top class of a 7-class emotion model (`EMOTIONS`) and every class's probability."""

    label: str
    conf: float
    scores: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Face:
    """A face in the frame (normalised box) and, when classified, its emotion."""

    box: Box
    conf: float
    emotion: Emotion | None = None
    track_id: int | None = None  # the person track the face belongs to


# The platform's sound vocabulary: every audio model's labels are mapped onto these.
SOUND_LABELS = (
    "speech", "scream", "shout", "crying", "fight", "gunshot", "explosion", "glass_break",
    "siren", "alarm", "dog_bark", "music",
    "unknown_loud",  # a sound standing out of the background that no model names: weak evidence only
    "call_for_help",  # words of distress in transcribed speech ("help", "let me go"), vigil.perception.speech
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SoundEvent:
    """A sound heard between `t_s` and `end_s` (camera clock), by which member of the ensemble."""

    label: str  # one of SOUND_LABELS
    conf: float
    t_s: float
    end_s: float
    source: str  # e.g. "svm-movie8class", "acoustic.siren", "silero-vad"
    detail: str = ""  # the measured features in words, for explanations


@dataclass(frozen=True, slots=True)
class Transcript:
    """What was said between `t_s` and `end_s` (camera clock), as the speech-to-text model heard it.

    Sensitive: kept in memory briefly, and stored only with an incident of its camera (docs/media.md)."""

    t_s: float
    end_s: float
    text: str
    conf: float  # the model's mean token probability
    source: str  # e.g. "whisper-tiny-en"


ACTION_LABELS = ("fall", "fight", "running", "loitering")

# What a camera's activity is measured by, slot after slot, against its own baseline (vigil.anomaly).
ANOMALY_KINDS = ("people", "vehicles", "motion", "sound_level", "sound_events", "dwell", "speed", "direction")


@dataclass(frozen=True, slots=True)
class ActionEvidence:
    """An action seen in a track (or, for a fight, several tracks) up to `t_s`."""

    label: str  # one of ACTION_LABELS
    conf: float
    t_s: float
    track_ids: tuple[int, ...]
    box: Box
    detail: str = ""  # the features and thresholds that fired, in words
    zone: str | None = None


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A measure of a camera's activity far from its baseline for this hour of the week, over one slot."""

    measure: str  # e.g. "people", "dwell:Gate", "direction:Gate:left"
    kind: str  # one of ANOMALY_KINDS
    conf: float  # 0.5 at the baseline's threshold, towards 1 far past it
    t_s: float  # the slot's first and last observation (camera clock)
    end_s: float
    value: float  # what was measured, in the kind's unit
    low: float  # the expected range and middle for this hour of the week
    mid: float
    high: float
    direction: str  # "high" (too much) or "low" (too little)
    detail: str  # the measure, the value, the expected range and the history, in words


@dataclass(frozen=True, slots=True)
class Observation:
    """Everything the models saw in one analysed instant of one camera: a frame (`modality` "video"),
    a window of its sound ("audio": `sounds`, `transcripts`, `sound_level_db`), or a slot of its activity
    judged against its baseline ("activity": `anomalies`)."""

    camera_id: int
    t_s: float
    wall_time_s: float
    motion: float = 0.0
    detections: tuple[Detection, ...] = ()
    poses: tuple[Pose, ...] = ()
    faces: tuple[Face, ...] = ()
    actions: tuple[ActionEvidence, ...] = ()
    sounds: tuple[SoundEvent, ...] = ()
    analysis_ms: float = 0.0
    modality: str = "video"
    transcripts: tuple[Transcript, ...] = ()  # audio: speech turned into text (cameras that allow it)
    sound_level_db: float | None = None  # audio: the loudness of the newest second of sound (dBFS)
    anomalies: tuple[Anomaly, ...] = ()  # modality "activity": a slot judged against the camera's baseline


COCO_KEYPOINTS = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
    "left_knee", "right_knee", "left_ankle", "right_ankle",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Keypoint:
    """Normalised to the frame like `Box`; `conf` 0..1."""

    x: float
    y: float
    conf: float


@dataclass(frozen=True, slots=True)
class Pose:
    """17 COCO keypoints of one person, in `COCO_KEYPOINTS` order, and the person's box."""

    keypoints: tuple[Keypoint, ...]
    box: Box
    conf: float
    track_id: int | None = None
