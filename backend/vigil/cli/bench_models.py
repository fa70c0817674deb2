"""`vigil bench`'s per-model table: ms per call of every default model on the scenario's own frames and
sound (one thread each, as in a pool worker), and what the whole set costs one camera."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, Box, Detection
from vigil.perception import worker
from vigil.perception.face_stage import head_window
from vigil.perception.sound.base import load_audio
from vigil.perception.sound.yamnet_onnx import PATCH_SAMPLES, YamnetOnnxClassifier
from vigil.pipeline.speech import MAX_CLIP_S, MIN_INTERVAL_S
from vigil.tracking.actions import CameraActions

ANALYSIS_FPS = 5.0
SOUND_HOP_S = 1.0  # a live camera's sound windows: one analysis per second (pipeline/audio.py)
SPEECH_CLIP_S = MAX_CLIP_S  # the longest clip a camera's speech is cut into (pipeline/speech.py)


@dataclass(frozen=True)
class ModelTiming:
    model: str
    per: str  # what one call handles
    calls: int
    median_ms: float

    @property
    def calls_per_core_s(self) -> float:
        return 1000.0 / self.median_ms if self.median_ms > 0 else float("inf")


def timed(calls: list[Callable[[], object]], warmup: int = 2) -> list[float]:
    for call in calls[:warmup]:
        call()
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _timing(model: str, per: str, calls: list[Callable[[], object]]) -> ModelTiming | None:
    if not calls:
        return None
    times = timed(calls)
    return ModelTiming(model, per, len(times), statistics.median(times))


def frames_of(video: Path, count: int = 12, every_s: float = 4.0) -> list[NDArray[np.uint8]]:
    from vigil.camera.offline import sampled_frames

    frames = []
    for _t_s, image in sampled_frames(video, 1.0 / every_s):
        frames.append(image)
        if len(frames) == count:
            break
    return frames


def measure(video: Path, config: worker.PerceptionConfig) -> tuple[list[ModelTiming], list[list[object]]]:
    """(one row per model, the cost of the whole set per camera)."""
    worker.init_worker(config)
    models = worker._loaded()  # the bench times the worker's own instances
    objects = models.objects
    assert objects is not None  # only a pool sets models aside
    frames = frames_of(video)
    people: list[tuple[NDArray[np.uint8], Detection]] = []
    rows: list[ModelTiming | None] = []
    rows.append(
        _timing(
            f"objects ({objects.name})",
            "frame",
            [partial(objects.detect, f) for f in frames],
        )
    )
    for frame in frames:
        people += [(frame, d) for d in objects.detect(frame) if d.label == "person"]
    pose = models.pose
    if pose is not None:
        rows.append(
            _timing(
                "pose (MoveNet, person crop)",
                "person",
                [partial(pose.estimate, f, [d]) for f, d in people[:30]],
            )
        )
    faces = models.faces
    if faces is not None:
        heads = [_head(f, d.box) for f, d in people[:30]]
        rows.append(_timing(f"faces ({faces.name})", "head crop", [partial(faces.detect, h) for h in heads]))
        emotion = models.emotion
        if emotion is not None:
            crops = [h[: max(8, h.shape[0] // 2), :] for h in heads]
            rows.append(
                _timing(f"emotion ({emotion.name})", "face", [partial(emotion.classify, c) for c in crops])
            )
    sound = models.sound
    samples = _audio(video)
    if sound is not None and len(samples) >= AUDIO_SAMPLE_RATE:
        for member in sound.members:
            size = round(member.window_s * AUDIO_SAMPLE_RATE)
            pieces = [samples[i : i + size] for i in range(0, len(samples) - size, 5 * AUDIO_SAMPLE_RATE)]
            rows.append(
                _timing(
                    f"sound: {member.name}",
                    f"{member.window_s:g} s of audio",
                    [partial(member.classify, piece, 0.0) for piece in pieces[:12]],
                )
            )
            if isinstance(member, YamnetOnnxClassifier):  # what a patch costs, features included
                rows.append(
                    _timing(
                        f"sound: {member.name}, one patch",
                        "0.96 s patch (log-mel + model)",
                        [partial(member.patch_scores, piece[:PATCH_SAMPLES]) for piece in pieces[:12]],
                    )
                )
    speech = worker._speech[0][0] if worker.transcribes() else None
    if speech is not None and len(samples) >= AUDIO_SAMPLE_RATE:
        for clip_s in (3.0, SPEECH_CLIP_S):
            size = round(clip_s * AUDIO_SAMPLE_RATE)
            starts = range(0, max(1, len(samples) - size), 5 * AUDIO_SAMPLE_RATE)
            rows.append(
                _timing(
                    f"speech to text: {speech.name}",
                    f"{clip_s:g} s clip",
                    [partial(speech.transcribe, samples[i : i + size], 0.0) for i in starts[:6]],
                )
            )
    timings = [r for r in rows if r is not None]

    frame_ms = statistics.median(timed([partial(worker.analyse_frame, 0, 0.0, 0.0, 1.0, f) for f in frames]))
    observations = [worker.analyse_frame(0, i * 0.2, 0.0, 1.0, f) for i, f in enumerate(frames)]
    scenes = CameraActions(frame_aspect=frames[0].shape[1] / frames[0].shape[0])
    tracking_ms = statistics.median(timed([partial(scenes.update, o) for o in observations], warmup=0))
    whole: list[list[object]] = [
        [
            f"every model on one analysed frame ({len(frames)} scenario frames)",
            frame_ms,
            frame_ms * ANALYSIS_FPS / 1000,
        ]
    ]
    whole.append(
        [
            "tracking + actions of one observation (API process)",
            tracking_ms,
            tracking_ms * ANALYSIS_FPS / 1000,
        ]
    )
    if sound is not None:
        window = round(sound.window_s * AUDIO_SAMPLE_RATE)
        windows = [
            samples[i : i + window] for i in range(0, max(1, len(samples) - window), 5 * AUDIO_SAMPLE_RATE)
        ][:12]
        sound_ms = statistics.median(timed([partial(sound.classify, w, 0.0) for w in windows]))
        whole.append(
            [
                f"sound ensemble on one {sound.window_s:.0f} s window (one a second)",
                sound_ms,
                sound_ms / SOUND_HOP_S / 1000,
            ]
        )
    longest = f"{SPEECH_CLIP_S:g} s clip"
    clips = [t for t in timings if t.model.startswith("speech to text") and t.per == longest]
    if clips:
        whole.append(
            [
                f"speech to text at its cap, one clip every {MIN_INTERVAL_S:g} s (someone talking all the "
                "time; transcribing cameras only)",
                clips[0].median_ms,
                clips[0].median_ms / MIN_INTERVAL_S / 1000,
            ]
        )
    return timings, whole


def _head(frame: NDArray[np.uint8], box: Box) -> NDArray[np.uint8]:
    """The head crop the face stage would cut, even for people too small for it (for timing)."""
    height, width = frame.shape[:2]
    tall = Box(box.x1, box.y1, box.x2, min(1.0, box.y1 + max(box.y2 - box.y1, 130 / height)))
    window = head_window(tall, width, height)
    if window is None:
        return frame[:64, :64]
    return frame[window.y0 : window.y1, window.x0 : window.x1]


def _audio(video: Path) -> NDArray[np.float32]:
    try:
        return load_audio(video)
    except ValueError:
        return np.zeros(0, dtype=np.float32)
