"""Speech from silero-vad (MIT), run with onnxruntime directly: no torch.

The model is `silero_vad/data/silero_vad.onnx` of the PyPI wheel `silero-vad==6.2.3` (manifest entry
`silero-vad`). It reads 512 new samples at 16 kHz (32 ms) at a time, preceded by the last 64 samples of the
previous window (its context), with a recurrent state `[2, 1, 128]` carried from window to window, and
gives the probability that the window is speech. This module does what the package's `OnnxWrapper` and
`get_speech_timestamps` do (read in its `utils_vad.py`): state and context start at zeros for each call,
the last window is zero-padded, and probabilities become speech segments with hysteresis (start at
`threshold`, end when below `threshold - 0.15` for `min_silence_s`), segments shorter than `min_speech_s`
dropped and the rest padded by `pad_s`. Each `classify` call is independent, like one
`get_speech_timestamps` call (the ensemble's overlapping 3 s windows give the model context enough).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigil.domain import SoundEvent
from vigil.perception.onnx_runtime import make_session
from vigil.perception.sound.base import SAMPLE_RATE

WINDOW = 512  # samples per model call at 16 kHz
CONTEXT = 64  # samples of the previous window prepended to each call
STATE_SHAPE = (2, 1, 128)
THRESHOLD = 0.5  # the package's default
NEG_OFFSET = 0.15  # the package ends speech below threshold - 0.15
MIN_SPEECH_S = 0.25  # the package's min_speech_duration_ms
MIN_SILENCE_S = 0.1  # the package's min_silence_duration_ms
PAD_S = 0.03  # the package's speech_pad_ms


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    start: int  # samples
    end: int
    mean_prob: float


def speech_segments(
    probs: NDArray[np.float32],
    n_samples: int,
    threshold: float = THRESHOLD,
    min_speech_s: float = MIN_SPEECH_S,
    min_silence_s: float = MIN_SILENCE_S,
    pad_s: float = PAD_S,
) -> list[SpeechSegment]:
    """Per-window speech probabilities → speech segments, as silero-vad's `get_speech_timestamps` (without
    its maximum-length split, which Vigil's short windows never reach)."""
    neg = max(threshold - NEG_OFFSET, 0.01)
    min_speech = SAMPLE_RATE * min_speech_s
    min_silence = SAMPLE_RATE * min_silence_s
    pad = int(SAMPLE_RATE * pad_s)
    spans: list[tuple[int, int]] = []
    triggered = False
    start = temp_end = 0
    for i, prob in enumerate(probs):
        sample = WINDOW * i
        if prob >= threshold and temp_end:
            temp_end = 0
        if prob >= threshold and not triggered:
            triggered, start = True, sample
            continue
        if prob < neg and triggered:
            if not temp_end:
                temp_end = sample
            if sample - temp_end < min_silence:
                continue
            if temp_end - start > min_speech:
                spans.append((start, temp_end))
            triggered, temp_end = False, 0
    if triggered and n_samples - start > min_speech:
        spans.append((start, n_samples))
    segments: list[SpeechSegment] = []
    for k, (a, b) in enumerate(spans):
        a = max(0, a - pad) if k == 0 else a
        if k + 1 < len(spans):
            gap = spans[k + 1][0] - b
            b = b + gap // 2 if gap < 2 * pad else min(n_samples, b + pad)
            next_a = spans[k + 1][0] - gap // 2 if gap < 2 * pad else max(0, spans[k + 1][0] - pad)
            spans[k + 1] = (next_a, spans[k + 1][1])
        else:
            b = min(n_samples, b + pad)
        first, last = a // WINDOW, max(a // WINDOW + 1, -(-b // WINDOW))
        segments.append(SpeechSegment(a, b, float(np.mean(probs[first:last]))))
    return segments


class SileroVad:
    """`speech` events for the runs of speech silero-vad hears in a window."""

    name = "silero-vad"
    window_s = 3.0

    def __init__(self, model: Path, threshold: float = THRESHOLD, threads: int = 1) -> None:
        self.session = make_session(model, threads=threads)
        self.threshold = threshold

    def speech_probabilities(self, samples: NDArray[np.float32]) -> NDArray[np.float32]:
        """One probability per 512 samples (the last window zero-padded), state and context from zeros."""
        count = -(-len(samples) // WINDOW)
        padded = np.zeros(count * WINDOW, dtype=np.float32)
        padded[: len(samples)] = samples
        state = np.zeros(STATE_SHAPE, dtype=np.float32)
        context = np.zeros(CONTEXT, dtype=np.float32)
        sr = np.array(SAMPLE_RATE, dtype=np.int64)
        probs = np.zeros(count, dtype=np.float32)
        for i in range(count):
            chunk = padded[i * WINDOW : (i + 1) * WINDOW]
            x = np.concatenate([context, chunk])[None, :]
            out, state = self.session.run(None, {"input": x, "state": state, "sr": sr})
            probs[i] = float(np.asarray(out).reshape(-1)[0])
            context = chunk[-CONTEXT:]
        return probs

    def classify(self, samples: NDArray[np.float32], t_s: float) -> list[SoundEvent]:
        if len(samples) == 0:
            return []
        probs = self.speech_probabilities(samples)
        events = []
        for seg in speech_segments(probs, len(samples), self.threshold):
            events.append(
                SoundEvent(
                    label="speech",
                    conf=round(seg.mean_prob, 3),
                    t_s=round(t_s + seg.start / SAMPLE_RATE, 3),
                    end_s=round(t_s + seg.end / SAMPLE_RATE, 3),
                    source=self.name,
                    detail=(
                        f"voice probability {seg.mean_prob:.2f} (mean over the segment's 32 ms windows, "
                        f"threshold {self.threshold:.2f}) for {(seg.end - seg.start) / SAMPLE_RATE:.1f} s"
                    ),
                )
            )
        return events
