"""`vigil detect PATH`: every model on one image, sound or video file, as the server would run them.

The observations come from the offline chain (`camera/offline.py`: the worker's own functions, a live
camera's tracking and sound windows); this module folds them into a report and prints it. What is printed
is what passes the configured thresholds: the figures users tune them with.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from vigil.camera.offline import hear, kind_of, read_image, tracked_frames
from vigil.domain import AUDIO_SAMPLE_RATE, Box, Observation, SoundEvent, Transcript
from vigil.perception import worker
from vigil.perception.sound.base import load_audio


@dataclass
class Report:
    file: str
    kind: str  # "image", "video" or "sound"
    duration_s: float | None = None
    objects: list[dict[str, Any]] = field(default_factory=list)
    poses: list[dict[str, Any]] = field(default_factory=list)
    faces: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    sounds: list[dict[str, Any]] = field(default_factory=list)
    annotated: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "duration_s": self.duration_s,
            "objects": self.objects,
            "poses": self.poses,
            "faces": self.faces,
            "actions": self.actions,
            "sounds": self.sounds,
            "annotated": self.annotated,
        }


def _box(box: Box) -> list[float]:
    return [round(box.x1, 4), round(box.y1, 4), round(box.x2, 4), round(box.y2, 4)]


TEXT_LABELS = ("speech", "call_for_help")  # items that carry what was said


def sound_items(events: list[SoundEvent], transcripts: Sequence[Transcript] = ()) -> list[dict[str, Any]]:
    items = []
    for e in events:
        item: dict[str, Any] = {
            "label": e.label,
            "conf": round(e.conf, 3),
            "t_s": round(e.t_s, 2),
            "end_s": round(e.end_s, 2),
            "source": e.source,
            "detail": e.detail,
        }
        if e.label in TEXT_LABELS:  # null: not transcribed (speech to text off or not installed)
            said = [t.text for t in transcripts if t.t_s < e.end_s and e.t_s < t.end_s]
            item["text"] = " ".join(said) if said else None
        items.append(item)
    return items


def image_report(path: Path, image: NDArray[np.uint8], observation: Observation) -> Report:
    report = Report(file=str(path), kind="image")
    report.objects = [
        {"label": d.label, "conf": round(d.conf, 3), "box": _box(d.box)} for d in observation.detections
    ]
    report.poses = [
        {
            "label": "pose",
            "conf": round(p.conf, 3),
            "box": _box(p.box),
            "keypoints_seen": sum(1 for k in p.keypoints if k.conf >= 0.3),
        }
        for p in observation.poses
    ]
    report.faces = [
        {
            "label": "face",
            "conf": round(f.conf, 3),
            "box": _box(f.box),
            "emotion": f.emotion.label if f.emotion else None,
            "emotion_conf": round(f.emotion.conf, 3) if f.emotion else None,
        }
        for f in observation.faces
    ]
    return report


@dataclass
class _TrackSummary:
    label: str
    track_id: int
    t_s: float
    end_s: float
    conf: float
    box: Box
    frames: int = 1
    poses: int = 0
    emotions: dict[str, int] = field(default_factory=dict)


class VideoSummary:
    """Per-frame observations folded into one line per track, action and sound."""

    def __init__(self) -> None:
        self.tracks: dict[int, _TrackSummary] = {}
        self.actions: dict[tuple[str, tuple[int, ...]], dict[str, Any]] = {}
        self.frames = 0
        self.untracked_faces: list[dict[str, Any]] = []

    def add(self, observation: Observation) -> None:
        self.frames += 1
        for d in observation.detections:
            if d.track_id is None:
                continue
            summary = self.tracks.get(d.track_id)
            if summary is None:
                self.tracks[d.track_id] = _TrackSummary(
                    d.label, d.track_id, observation.t_s, observation.t_s, d.conf, d.box
                )
                continue
            summary.end_s, summary.frames = observation.t_s, summary.frames + 1
            if d.conf > summary.conf:
                summary.conf, summary.box = d.conf, d.box
        for p in observation.poses:
            if p.track_id in self.tracks:
                self.tracks[p.track_id].poses += 1
        for f in observation.faces:
            if f.track_id in self.tracks and f.emotion is not None:
                moods = self.tracks[f.track_id].emotions
                moods[f.emotion.label] = moods.get(f.emotion.label, 0) + 1
        for a in observation.actions:
            key = (a.label, a.track_ids)
            item = self.actions.get(key)
            if item is None:
                self.actions[key] = {
                    "label": a.label,
                    "conf": round(a.conf, 3),
                    "t_s": round(a.t_s, 2),
                    "end_s": round(a.t_s, 2),
                    "track_ids": list(a.track_ids),
                    "detail": a.detail,
                    "zone": a.zone,
                }
            else:
                item["end_s"] = round(a.t_s, 2)
                if a.conf > item["conf"]:
                    item["conf"], item["detail"] = round(a.conf, 3), a.detail

    def fill(self, report: Report) -> None:
        ordered = sorted(self.tracks.values(), key=lambda s: (s.t_s, s.track_id))
        report.objects = [
            {
                "label": s.label,
                "conf": round(s.conf, 3),
                "t_s": round(s.t_s, 2),
                "end_s": round(s.end_s, 2),
                "track_id": s.track_id,
                "frames": s.frames,
                "box": _box(s.box),
            }
            for s in ordered
        ]
        report.poses = [
            {
                "label": "pose",
                "track_id": s.track_id,
                "t_s": round(s.t_s, 2),
                "frames": s.poses,
                "conf": round(s.poses / s.frames, 3),
            }
            for s in ordered
            if s.poses
        ]
        report.faces = [
            {
                "label": "face",
                "track_id": s.track_id,
                "t_s": round(s.t_s, 2),
                "frames": sum(s.emotions.values()),
                "emotion": max(s.emotions, key=lambda k: s.emotions[k]),
                "conf": round(max(s.emotions.values()) / sum(s.emotions.values()), 3),
            }
            for s in ordered
            if s.emotions
        ]
        report.actions = sorted(self.actions.values(), key=lambda a: a["t_s"])


def detect(
    path: Path,
    config: worker.PerceptionConfig,
    *,
    fps: float = 5.0,
    annotate_to: Path | None = None,
    max_seconds: float | None = None,
) -> Report:
    """Analyse one file with the models of `config` (loaded here, once per call)."""
    kind = kind_of(path)
    worker.init_worker(config)
    if kind == "image":
        image = read_image(path)
        observation = worker.analyse_frame(0, 0.0, 0.0, 0.0, image, whole_image_faces=True)
        report = image_report(path, image, observation)
        if annotate_to is not None:
            report.annotated = str(_write_image(annotate_to, path, image, observation))
        return report
    report = Report(file=str(path), kind=kind)
    if kind == "video":
        _video(path, report, fps, annotate_to, max_seconds)
    if worker.hears():
        try:
            samples = load_audio(path)
        except ValueError:
            samples = np.zeros(0, dtype=np.float32)  # a video without sound
        if max_seconds is not None:
            samples = samples[: round(max_seconds * AUDIO_SAMPLE_RATE)]
        events, transcripts = hear(samples, transcribe=True)
        report.sounds = sound_items(events, transcripts)
        if kind == "sound":
            report.duration_s = round(len(samples) / AUDIO_SAMPLE_RATE, 2)
    return report


def _video(
    path: Path, report: Report, fps: float, annotate_to: Path | None, max_seconds: float | None
) -> None:
    summary = VideoSummary()
    writer = _VideoWriter(annotate_to / f"{path.stem}.vigil.mp4", fps) if annotate_to is not None else None
    last_t = 0.0
    try:
        for observation, image in tracked_frames(path, fps, 0.0, max_seconds=max_seconds):
            summary.add(observation)
            last_t = observation.t_s
            if writer is not None:
                from vigil.media.annotate import annotate

                writer.write(annotate(image, [observation]))
    finally:
        if writer is not None:
            writer.close()
            report.annotated = str(writer.path)
    summary.fill(report)
    report.duration_s = round(last_t, 2)


def _write_image(folder: Path, source: Path, image: NDArray[np.uint8], observation: Observation) -> Path:
    from vigil.media.annotate import annotate

    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{source.stem}.vigil.jpg"
    Image.fromarray(annotate(image, [observation])).save(target, quality=90)
    return target


class _VideoWriter:
    """Annotated frames at the analysis rate as an MP4 (H.264 where this FFmpeg has it, else MPEG-4)."""

    def __init__(self, path: Path, fps: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._container = av.open(str(path), "w")
        codec = "libx264" if "libx264" in av.codecs_available else "mpeg4"
        stream = self._container.add_stream(codec, rate=max(1, round(fps)))
        assert isinstance(stream, av.VideoStream)
        stream.pix_fmt = "yuv420p"
        self._stream = stream
        self._started = False

    def write(self, image: NDArray[np.uint8]) -> None:
        height, width = image.shape[:2]
        if not self._started:
            self._stream.width, self._stream.height = width - width % 2, height - height % 2
            self._started = True
        height, width = int(self._stream.height), int(self._stream.width)
        frame = av.VideoFrame.from_ndarray(image[:height, :width], format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        if self._started:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        self._container.close()


def print_report(report: Report) -> None:
    print(f"{report.file}: {report.kind}" + (f", {report.duration_s} s" if report.duration_s else ""))
    sections = ("objects", "poses", "faces", "actions", "sounds")
    for name in sections:
        items: list[dict[str, Any]] = getattr(report, name)
        print(f"  {name}: {len(items) or 'none'}")
        for item in items:
            when = f"{item['t_s']:>7.2f} s  " if "t_s" in item and item["t_s"] is not None else ""
            extra = {k: v for k, v in item.items() if k not in ("label", "conf", "t_s", "box")}
            words = ", ".join(f"{k} {v}" for k, v in extra.items() if v not in (None, "", []))
            print(f"    {when}{item['label']:<12} {item['conf']:.2f}  {words}")
    if report.annotated:
        print(f"  annotated: {report.annotated}")


def to_json(report: Report) -> str:
    return json.dumps(report.as_json(), indent=2, allow_nan=False, default=_finite)


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"cannot serialise {type(value).__name__}")
