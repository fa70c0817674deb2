"""YAMNet (AudioSet, 521 classes) on LiteRT, from the `yamnet.tflite` a user has (Frigate's, TF Hub's).

The file is Google's `yamnet/classification/tflite`: input `waveform` float32 [15600] (0.975 s at 16 kHz, in
[-1, 1]), output `scores` float32 [N, 521] (sigmoid per AudioSet class; N = 1 for one window). The features
(log-mel patches) are computed inside the graph. Class names come from a label file the user gives —
TF's `yamnet_class_map.csv` (`index,mid,display_name`) or Frigate's `audio-labelmap.txt` (one name a line) —
or from the label list TF Hub embeds in the file (a zip appended to the flatbuffer).

AudioSet's names are mapped onto the platform's `SOUND_LABELS` by an explicit table (`AUDIOSET_TO_SOUND`);
PANNs (`sound.panns`) uses the same table. Frigate's label map merges AudioSet's "Screaming" into "yell",
so with that file a scream is reported as `shout`; TF's csv and the embedded list keep them apart.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, SOUND_LABELS, SoundEvent
from vigil.perception.litert_runtime import make_interpreter
from vigil.perception.onnx_runtime import ModelLoadError

YAMNET_WINDOW_SAMPLES = 15_600  # 0.975 s: one 0.96 s patch of 96 frames of 25 ms every 10 ms
YAMNET_CLASSES = 521
DEFAULT_THRESHOLD = 0.3

# AudioSet display names (TF's class map, PANNs' csv) and Frigate's label names, normalised by
# `normalise_name`, → the platform's sound vocabulary. Names not listed are ignored. Used by the user's
# .tflite YAMNet, the default YAMNet ONNX (`sound.yamnet_onnx`) and PANNs alike.
AUDIOSET_TO_SOUND: dict[str, str] = {
    "speech": "speech",
    "child_speech_kid_speaking": "speech",
    "conversation": "speech",
    "narration_monologue": "speech",
    "screaming": "scream",
    "shout": "shout",
    "yell": "shout",
    "bellow": "shout",
    "crying_sobbing": "crying",
    "baby_cry_infant_cry": "crying",
    "crying": "crying",
    "gunshot_gunfire": "gunshot",
    "gunshot": "gunshot",
    "machine_gun": "gunshot",
    "fusillade": "gunshot",
    "artillery_fire": "gunshot",
    "explosion": "explosion",
    "boom": "explosion",
    "glass": "glass_break",
    "shatter": "glass_break",
    "siren": "siren",
    "civil_defense_siren": "siren",
    "police_car_siren": "siren",
    "police_car": "siren",
    "ambulance_siren": "siren",
    "ambulance": "siren",
    "fire_engine_fire_truck_siren": "siren",
    "fire_engine": "siren",
    "emergency_vehicle": "siren",
    "alarm": "alarm",
    "smoke_detector_smoke_alarm": "alarm",
    "smoke_detector": "alarm",
    "fire_alarm": "alarm",
    "car_alarm": "alarm",
    "alarm_clock": "alarm",
    "buzzer": "alarm",
    "bark": "dog_bark",
    "dog": "dog_bark",
    "bow_wow": "dog_bark",
    "yip": "dog_bark",
    "music": "music",
}
assert set(AUDIOSET_TO_SOUND.values()) <= set(SOUND_LABELS)

# Voices of groups and play, never a scream (nor a shout): a schoolyard, a match or a street party is
# not someone in distress. The table above must not map them; a test holds it to that.
NEVER_SCREAM = frozenset(
    {"children_shouting", "cheering", "crowd", "whoop", "children_playing", "chatter", "applause",
     "hubbub_speech_noise_speech_babble", "laughter", "baby_laughter", "giggle", "belly_laugh"}
)  # fmt: skip
assert not NEVER_SCREAM & set(AUDIOSET_TO_SOUND)


def normalise_name(name: str) -> str:
    """'Police car (siren)' → 'police_car_siren'; Frigate's 'bow-wow' → 'bow_wow'."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def vocabulary_indices(class_names: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """For each platform sound label, the model's class indices that map to it (labels with none left out)."""
    found: dict[str, list[int]] = {}
    for index, name in enumerate(class_names):
        label = AUDIOSET_TO_SOUND.get(normalise_name(name))
        if label is not None:
            found.setdefault(label, []).append(index)
    return {label: tuple(indices) for label, indices in found.items()}


def parse_labels(text: str) -> list[str]:
    """Class names in model order from a label file's text: a csv with a `display_name` column
    (`yamnet_class_map.csv`, AudioSet's `class_labels_indices.csv`), or one name per line."""
    lines = text.splitlines()
    if lines and "display_name" in lines[0]:
        rows = list(csv.DictReader(io.StringIO(text)))
        if rows and "index" in rows[0]:
            rows.sort(key=lambda row: int(row["index"]))
        return [row["display_name"].strip() for row in rows]
    while lines and not lines[-1].strip():
        lines.pop()
    return [line.strip() for line in lines]


def read_label_file(path: Path) -> list[str]:
    if not path.is_file():
        raise ModelLoadError(
            f"label file {path} does not exist: give TF's yamnet_class_map.csv, AudioSet's "
            "class_labels_indices.csv or Frigate's audio-labelmap.txt"
        )
    return parse_labels(path.read_text(encoding="utf-8"))


def embedded_labels(model_path: Path) -> list[str] | None:
    """The label list a TF Hub tflite file carries in the zip appended to it, or None if it has none."""
    if not zipfile.is_zipfile(model_path):
        return None
    with zipfile.ZipFile(model_path) as bundle:
        names = [n for n in bundle.namelist() if n.endswith((".txt", ".csv"))]
        names.sort(key=lambda n: "label" not in n and "class" not in n)
        if not names:
            return None
        return parse_labels(bundle.read(names[0]).decode("utf-8"))


def scores_to_events(
    scores: NDArray[np.float32],
    indices: dict[str, tuple[int, ...]],
    class_names: Sequence[str],
    threshold: float,
    t_s: float,
    end_s: float,
    source: str,
) -> list[SoundEvent]:
    """Per platform label, the best score of its AudioSet classes in one window (`scores`: [C]);
    an event for each label at or above `threshold`, strongest first."""
    events = []
    for label, members in indices.items():
        best = max(members, key=lambda i: float(scores[i]))
        conf = float(scores[best])
        if conf >= threshold:
            detail = f"AudioSet '{class_names[best]}' {conf:.2f}"
            events.append(
                SoundEvent(label=label, conf=conf, t_s=t_s, end_s=end_s, source=source, detail=detail)
            )
    return sorted(events, key=lambda event: -event.conf)


MIN_TAIL_FRACTION = 0.25  # a trailing piece shorter than this part of a window is mostly padding: skipped


def windows(samples: NDArray[np.float32], length: int) -> list[tuple[int, NDArray[np.float32]]]:
    """Consecutive windows of `length` samples with their start sample; the last one is zero-padded, and
    left out when it holds less than `MIN_TAIL_FRACTION` of a window (unless it is the only one)."""
    pieces = []
    for start in range(0, len(samples), length):
        piece = samples[start : start + length]
        if start > 0 and len(piece) < MIN_TAIL_FRACTION * length:
            break
        if len(piece) < length:
            piece = np.pad(piece, (0, length - len(piece)))
        pieces.append((start, piece.astype(np.float32, copy=False)))
    return pieces


class YamnetClassifier:
    """A `SoundClassifier` (sound.base) over a user's yamnet.tflite, reporting `SOUND_LABELS` events."""

    name = "yamnet"
    window_s = YAMNET_WINDOW_SAMPLES / AUDIO_SAMPLE_RATE

    def __init__(
        self,
        model_path: Path,
        labels_path: Path | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        threads: int = 1,
    ) -> None:
        self.threshold = threshold
        self._interpreter: Any = make_interpreter(model_path, threads)
        inputs = self._interpreter.get_input_details()
        if len(inputs) != 1 or int(np.prod(inputs[0]["shape"])) not in (0, 1, YAMNET_WINDOW_SAMPLES):
            shapes = [detail["shape"].tolist() for detail in inputs]
            raise ModelLoadError(
                f"{model_path} is not YAMNet: it takes {shapes}, YAMNet one waveform of "
                f"{YAMNET_WINDOW_SAMPLES} samples (0.975 s at 16 kHz)"
            )
        self._input = inputs[0]
        if int(np.prod(self._input["shape"])) != YAMNET_WINDOW_SAMPLES:  # a model with a dynamic length
            self._interpreter.resize_tensor_input(self._input["index"], [YAMNET_WINDOW_SAMPLES])
            self._interpreter.allocate_tensors()
            self._input = self._interpreter.get_input_details()[0]
        if labels_path is not None:
            names = read_label_file(labels_path)
        else:
            embedded = embedded_labels(model_path)
            if embedded is None:
                raise ModelLoadError(
                    f"{model_path} carries no label list: give a label file (yamnet_class_map.csv or "
                    "Frigate's audio-labelmap.txt)"
                )
            names = embedded
        outputs = self._interpreter.get_output_details()
        scores = [o for o in outputs if len(o["shape"]) == 2 and int(o["shape"][-1]) == len(names)]
        if not scores:
            shapes = [o["shape"].tolist() for o in outputs]
            raise ModelLoadError(
                f"{model_path}: no output has one score per label ({len(names)} labels; outputs {shapes}). "
                "Is the label file the one for this model?"
            )
        self._output_index = int(scores[0]["index"])
        self.class_names = names
        self.indices = vocabulary_indices(names)
        if not self.indices:
            raise ModelLoadError(
                f"none of the {len(names)} labels maps to the platform's sounds {SOUND_LABELS}"
            )

    def scores(self, window: NDArray[np.float32]) -> NDArray[np.float32]:
        """AudioSet scores [C] for one window of `YAMNET_WINDOW_SAMPLES` samples (max over output rows)."""
        self._interpreter.set_tensor(self._input["index"], window.reshape(self._input["shape"]))
        self._interpreter.invoke()
        out = np.asarray(self._interpreter.get_tensor(self._output_index), dtype=np.float32)
        return np.asarray(out.max(axis=0), dtype=np.float32)

    def classify(self, samples: NDArray[np.float32], t_s: float) -> list[SoundEvent]:
        events = []
        for start, window in windows(np.asarray(samples, dtype=np.float32), YAMNET_WINDOW_SAMPLES):
            begin = t_s + start / AUDIO_SAMPLE_RATE
            end = t_s + min(start + YAMNET_WINDOW_SAMPLES, len(samples)) / AUDIO_SAMPLE_RATE
            events += scores_to_events(
                self.scores(window), self.indices, self.class_names, self.threshold, begin, end, self.name
            )
        return events
