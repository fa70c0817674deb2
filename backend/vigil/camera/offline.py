"""The offline chain: a recording fed through the stages of a live camera, as fast as the machine allows.

Frames go through the pool worker's own `analyse_frame` (in this process) and the camera's tracking
(`CameraTracking`, the live unit's own, in the profile's zones); sound goes through the live windows, the
worker's ensemble and the camera's speech clipper; the observations of both reach a fusion engine that
reads the profile's zones, in camera-time order. Fusion is deterministic, so a recording always gives the
same incidents for the same models, rules and profile. `vigil replay`, `vigil detect`, `vigil bench` and
the API's "what would have fired" (`POST /incidents/{id}/replay`) all build their observations here.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray

from vigil.anomaly.watch import ActivityWatch, JudgedSlot
from vigil.camera.tracking import CameraTracking
from vigil.domain import AUDIO_SAMPLE_RATE, AudioChunk, Observation, SoundEvent, Transcript, UpdateKind
from vigil.fusion import FusionEngine, IncidentUpdate, RuleSet
from vigil.perception import worker
from vigil.perception.sound.base import load_audio, merge_events
from vigil.pipeline.audio import AudioWindower, SoundEventMerger, level_dbfs
from vigil.pipeline.gating import MotionGate
from vigil.pipeline.speech import SpeechClip, SpeechClipper
from vigil.tracking.zones import Zone

CAMERA_ID = 0
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
CHUNK_S = 0.5  # audio is fed to the windows in pieces of this length, as the ingest does


class DetectError(ValueError):
    """The file cannot be analysed; the message says why."""


def kind_of(path: Path) -> str:
    if not path.is_file():
        raise DetectError(f"{path}: no such file")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return "image"
    try:
        with av.open(str(path)) as container:
            if container.streams.video:
                return "video"
            if container.streams.audio:
                return "sound"
    except av.error.FFmpegError as error:
        raise DetectError(f"{path}: not an image, sound or video file FFmpeg can read ({error})") from error
    raise DetectError(f"{path}: the file has neither video nor audio")


def read_image(path: Path) -> NDArray[np.uint8]:
    try:
        with av.open(str(path)) as container:
            frame = next(container.decode(video=0))
            return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
    except (av.error.FFmpegError, StopIteration) as error:
        raise DetectError(f"{path}: not an image FFmpeg can read ({error})") from error


def sampled_frames(path: Path, fps: float) -> Iterator[tuple[float, NDArray[np.uint8]]]:
    """(t_s, RGB image) of the video at about `fps`, from its start."""
    next_t = 0.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        base = stream.time_base
        start = float(stream.start_time * base) if stream.start_time is not None and base is not None else 0.0
        for frame in container.decode(stream):
            if frame.time is None:
                continue
            t_s = frame.time - start
            if t_s + 1e-6 < next_t:
                continue
            next_t = t_s + 1.0 / fps
            yield t_s, np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def sound_observations(
    samples: NDArray[np.float32], camera_id: int = 0, start_wall_s: float = 0.0, transcribe: bool = False
) -> list[Observation]:
    """The whole recording as a live camera hears it: its windows through the worker's ensemble (each
    sound once), and with `transcribe` (and a worker that has the speech model) its speech through the
    camera's `SpeechClipper` to speech to text. Audio observations in camera-time order."""
    windower, merger = AudioWindower(), SoundEventMerger()
    clipper = SpeechClipper() if transcribe and worker.transcribes() else None
    out: list[Observation] = []

    def transcribed(clip: SpeechClip | None) -> None:
        if clip is None:
            return
        first = max(0, round(clip.t_s * AUDIO_SAMPLE_RATE))
        last = round(clip.end_s * AUDIO_SAMPLE_RATE)
        t_s = first / AUDIO_SAMPLE_RATE
        said = worker.transcribe_speech(camera_id, t_s, start_wall_s + t_s, samples[first:last])
        fresh = merger.fresh(said.sounds)
        if said.transcripts or fresh:
            out.append(dataclasses.replace(said, sounds=tuple(fresh)))

    step = round(CHUNK_S * AUDIO_SAMPLE_RATE)
    for start in range(0, len(samples), step):
        t_s = start / AUDIO_SAMPLE_RATE
        window = windower.push(AudioChunk(camera_id, t_s, start_wall_s + t_s, samples[start : start + step]))
        if window is None:
            continue
        heard = worker.analyse_audio(camera_id, window.t_s, window.wall_time_s, window.samples)
        fresh = tuple(merger.fresh(heard.sounds))
        level = level_dbfs(windower.newest(window))
        out.append(
            Observation(
                camera_id, heard.t_s, heard.wall_time_s, sounds=fresh, modality="audio", sound_level_db=level
            )
        )
        if clipper is not None:
            transcribed(clipper.hear(heard.sounds, window.t_s + window.duration_s))
    if clipper is not None:
        transcribed(clipper.flush(len(samples) / AUDIO_SAMPLE_RATE))
    return sorted(out, key=lambda o: o.t_s)


def hear(
    samples: NDArray[np.float32], camera_id: int = 0, transcribe: bool = False
) -> tuple[list[SoundEvent], list[Transcript]]:
    """The whole recording's sounds, each once, and (with `transcribe`) what was said."""
    observations = sound_observations(samples, camera_id, transcribe=transcribe)
    events = [e for o in observations for e in o.sounds]
    transcripts = [t for o in observations for t in o.transcripts]
    # pieces of one sound reported second by second, joined back for a readable report
    return merge_events(events, gap_s=0.5, by_source=False), transcripts


def tracked_frames(
    path: Path, fps: float, start_wall_s: float, zones: Sequence[Zone] = (), max_seconds: float | None = None
) -> Iterator[tuple[Observation, NDArray[np.uint8]]]:
    """The video's frames at about `fps`, each with its observation, analysed and tracked as a live
    camera's are (in its zones)."""
    tracking, gate = CameraTracking(), MotionGate()
    for t_s, image in sampled_frames(path, fps):
        if max_seconds is not None and t_s > max_seconds:
            return
        _passed, motion = gate.check(t_s, image)  # every frame is analysed; the motion is measured
        observation = worker.analyse_frame(CAMERA_ID, t_s, start_wall_s + t_s, motion, image)
        yield tracking.track(observation, tuple(zones), image.shape[1] / image.shape[0]), image


def video_observations(
    path: Path, fps: float, start_wall_s: float, zones: Sequence[Zone] = ()
) -> list[Observation]:
    return [observation for observation, _image in tracked_frames(path, fps, start_wall_s, zones)]


def recording_sound(path: Path, start_wall_s: float, transcribe: bool = False) -> list[Observation]:
    try:
        samples = load_audio(path)
    except ValueError:
        return []  # a recording without sound
    return sound_observations(samples, CAMERA_ID, start_wall_s, transcribe=transcribe)


def recording_observations(
    path: Path, fps: float, start_wall_s: float, zones: Sequence[Zone] = (), transcribe: bool = False
) -> Iterator[Observation]:
    """A recording's video and sound observations (camera 0) in camera-time order, as a live camera's."""
    kind = kind_of(path)
    if kind == "image":
        raise DetectError(f"{path}: needs a recording (video or sound), not an image")
    video = video_observations(path, fps, start_wall_s, zones) if kind == "video" else []
    sound = recording_sound(path, start_wall_s, transcribe) if worker.hears() else []
    return heapq.merge(video, sound, key=lambda o: (o.t_s, o.modality))


@dataclass(frozen=True)
class ReplayedIncident:
    label: str
    rule: str
    severity: str
    confidence: float
    start_s: float
    end_s: float
    key_evidence_s: float
    explanation: dict[str, Any]
    summary: str

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "rule": self.rule,
            "severity": self.severity,
            "confidence": round(self.confidence, 3),
            "start_s": round(self.start_s, 2),
            "end_s": round(self.end_s, 2),
            "key_evidence_s": round(self.key_evidence_s, 2),
            "summary": self.summary,
            "explanation": self.explanation,
        }


def replay(
    path: Path,
    config: worker.PerceptionConfig,
    rules: RuleSet,
    *,
    fps: float = 5.0,
    start: datetime | None = None,
    tz: tzinfo = UTC,
    zones: Sequence[Zone] = (),
    transcribe: bool = False,
    activity: ActivityWatch | None = None,
) -> list[ReplayedIncident]:
    """Every incident the recording gives, closed, in order of start. `start` is the wall-clock time of
    the recording's first instant, `tz` the time zone of the rules' schedules (the server's
    `VIGIL_TIMEZONE`); default: the file's modification time. `zones`: the camera's tracking zones, so a
    replay sees loitering and restricted areas as the live camera did. `transcribe`: speech to text, as a
    camera with its `transcribe` switch on (needs a config with the speech model). `activity`: the camera's
    activity judged slot by slot against the watch's baseline for camera 0 (its `anomaly` incidents; the
    baseline learns the recording too)."""
    kind = kind_of(path)
    if kind == "image":
        raise DetectError(f"{path}: replay needs a recording (video or sound), not an image")
    worker.init_worker(config)
    start_wall_s = (
        (start.timestamp() if start is not None else path.stat().st_mtime) if path.exists() else 0.0
    )
    engine = FusionEngine(rules, tz=tz, zones_of=lambda _camera: tuple(zones))
    updates: list[IncidentUpdate] = []
    last_t = 0.0
    for observation in recording_observations(path, fps, start_wall_s, zones, transcribe):
        updates += engine.feed(observation)
        if activity is not None:
            updates += _judged(engine, activity.observe(observation))
        last_t = observation.t_s
    if activity is not None:
        updates += _judged(engine, activity.flush(CAMERA_ID))
    updates += engine.flush(last_t)
    return incidents_of(updates)


def _judged(engine: FusionEngine, judged: JudgedSlot | None) -> list[IncidentUpdate]:
    observation = judged.observation() if judged is not None else None
    return engine.feed(observation) if observation is not None else []


def incidents_of(updates: list[IncidentUpdate]) -> list[ReplayedIncident]:
    final: dict[int, IncidentUpdate] = {}
    for update in updates:
        final[update.incident_id] = update
    incidents = []
    for update in final.values():
        if update.kind is not UpdateKind.CLOSED:
            continue
        assert update.ended_s is not None
        incidents.append(
            ReplayedIncident(
                label=update.label,
                rule=update.rule,
                severity=str(update.severity),
                confidence=update.confidence,
                start_s=update.started_s,
                end_s=update.ended_s,
                key_evidence_s=update.key_evidence_s,
                explanation=_jsonable(update.as_dict()["explanation"]),
                summary=update.explanation.summary(),
            )
        )
    return sorted(incidents, key=lambda i: (i.start_s, i.label))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 4) if np.isfinite(value) else None
    return value
