"""The sound-event ensemble: every member hears the same window; their answers are reconciled.

Each member earned its place by measurement (docs/perception.md, "Sound"). YAMNet (ONNX, AudioSet's 521
classes, `sound.yamnet_onnx`) is the default and comes first; beside it the other members keep only the
labels `VOTES_BESIDE_YAMNET` gives them (a member given none is not loaded). Reconciling is three rules:
- a label's authority: speech comes from the voice detector (silero-vad) when it is loaded, not from the
  classifiers, which call barking "speech" (measured: dog3 → Speech 0.94 in the SVM);
- vetoes for measured confusions (`VETOES`): the SVM's "scream" overlapping a siren or alarm the acoustic
  detectors heard is that siren (policecar → Screams 0.62); its "speech" or "fight" overlapping barking is
  the dog, and its "fight" overlapping speech is the end of a sentence (arctic_a0007 → Fights 0.85); the
  acoustic dog detector's bursts overlapping speech the voice detector heard are syllables (29 of 501
  speech files in the training set gave barks); YAMNet's "gunshot"/"explosion" overlapping breaking glass
  the acoustic glass detector heard is that glass (the plaza's glass: Cap gun 0.66, Gunshot 0.60), and its
  "explosion" overlapping a gunshot the impulse detector timed (a 0.25-1 s decay) is that shot (shotgun:
  Explosion 0.71, Gunshot 0.34) and its "glass_break" overlapping an explosion the impulse detector
  timed is debris (exp.wav: Shatter 0.61); its "alarm" (AudioSet's parent class) overlapping its own
  "siren" is that siren.
- an unknown loud sound: when the second before a window's newest stands out of the window's own quiet
  level as the loudness gate measures it (≥ 10 dB, ≥ −50 dBFS; digital silence is no background) and is
  louder than anything before it in the window (≥ 6 dB: a new sound), no member reported anything in
  the window and YAMNet is sure of no class there (< `KNOWN_SCORE`), the
  ensemble says `unknown_loud` — weak evidence, which no default fusion rule alarms on alone.
Vetoes are judged against everything the voting members said, before any veto (a veto whose deciding
member is not loaded beside YAMNet does not fire). Then events of one label
that overlap in time are merged into one, keeping the best confidence and naming every member that heard
it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigil.domain import AUDIO_SAMPLE_RATE, SoundEvent
from vigil.perception.sound.base import SoundClassifier, merge_events
from vigil.perception.sound.gate import FLOOR_DBFS, MARGIN_DB, QUIET_PERCENTILE, frame_levels_dbfs
from vigil.perception.sound.yamnet_onnx import SOURCE as YAMNET_ONNX
from vigil.perception.sound.yamnet_onnx import PatchGuess, YamnetOnnxClassifier

SPEECH_AUTHORITY = "silero-vad"
# Not reported at all: the SVM's "music" fired at 0.80 on the city ambience of the live plaza camera (no
# music in it), and no fusion rule uses music.
NOT_REPORTED = frozenset({"music"})
LEARNED_SOURCES = ("svm-movie8class", "cnn.vigil-sound")  # classifiers with measured confusions
YAMNET_SOURCES = ("yamnet",)  # the default ONNX ("yamnet-onnx") and a user's .tflite ("yamnet")

# With YAMNet ONNX in the ensemble, the labels each member (YAMNet too) may report: ONE place to change,
# from `make eval-audio`'s "Votes beside YAMNet, tried on the tune packages" (`audio_eval.vote_trials`).
# A vote is kept when what it adds on the tune packages is found with precision >= 0.9 and it adds no
# alarming false event on the tune distractors; one that changes nothing there keeps its place or absence.
# A member not named here keeps all its labels (a user's own YAMNet .tflite, PANNs); a member given no
# label is not loaded at all. The 6 Dec 2026 trials (docs/perception.md, "The ensemble"):
# - YAMNet: everything but explosion (+11 explosions found, +9 false, +3 alarms);
# - silero-vad: speech, the authority on it;
# - the SVM: nothing (scream +22 found, +83 false, +100 alarms; gunshot +9, +18, +4);
# - acoustic.siren: nothing (+1, +68, +62); acoustic.glass: nothing (+1, +1, +3);
# - acoustic.dog: nothing (+0 found, +30 false); acoustic.impulse's gunshot: nothing (+11, +17, +4);
# - acoustic.alarm's alarm and acoustic.impulse's explosion: no change on tune, kept (they hear the
#   shared alarm clock and exp.wav, which YAMNet does not vote on).
VOTES_BESIDE_YAMNET: dict[str, frozenset[str]] = {
    YAMNET_ONNX: frozenset(
        {"speech", "scream", "shout", "crying", "gunshot", "glass_break", "siren", "alarm", "dog_bark"}
        | {"music"}
    ),
    SPEECH_AUTHORITY: frozenset({"speech"}),
    "svm-movie8class": frozenset(),
    "cnn.vigil-sound": frozenset({"speech"}),
    "acoustic.siren": frozenset(),
    "acoustic.dog": frozenset(),
    "acoustic.alarm": frozenset({"alarm"}),
    "acoustic.impulse": frozenset({"explosion"}),
    "acoustic.glass": frozenset(),
}

# Bangs and breaks are judged where the onset detectors can see them whole: they need 150 ms before an
# onset and up to 1 s after it (a shot's decay, the glass's sparkle). So YAMNet's first patch of a full
# window is left out (the previous window heard it with what came before), and YAMNet reports these
# labels only from patches ending at least `ONSET_CONTEXT_AFTER_S` before the window's end (the next
# window reports them, with the tail in view): a second later, but vetoed where the detectors know better
# (the shotgun's first 0.5 s score Explosion 0.61-0.82 before its 0.52 s decay is in view).
ONSET_LABELS = frozenset({"gunshot", "explosion", "glass_break"})
ONSET_CONTEXT_AFTER_S = 1.5

UNKNOWN_LOUD = "unknown_loud"
UNKNOWN_JUDGED_S = 1.0  # the pipeline's hop: each second is judged once, in the window after its own
KNOWN_SCORE = 0.5  # YAMNet this sure of any class (a horn, a door, rain) knows the sound
NEW_SOUND_MARGIN_DB = 6.0  # an unknown loud sound is new: this much over the loudest before it
DIGITAL_SILENCE_DBFS = -90.0  # 100 ms this quiet are zeros (a stream's start, a muted mic), not a room
UNKNOWN_CONF_MIN, UNKNOWN_CONF_MAX = 0.25, 0.5  # weak evidence, a little stronger the louder it stands out


def votes_beside_yamnet(member: str) -> frozenset[str] | None:
    """The labels `member` may report next to YAMNet ONNX; None: all of them."""
    return VOTES_BESIDE_YAMNET.get(member)


@dataclass(frozen=True)
class Veto:
    """An event of `label` from a source starting with one of `sources` is dropped when an event of one
    of `by_labels` from a source starting with one of `by_sources` overlaps it in time."""

    sources: tuple[str, ...]
    label: str
    by_labels: tuple[str, ...]
    by_sources: tuple[str, ...]


VETOES = (
    Veto(LEARNED_SOURCES, "scream", ("siren", "alarm"), ("acoustic.",)),
    Veto(LEARNED_SOURCES, "shout", ("siren", "alarm"), ("acoustic.",)),
    Veto(LEARNED_SOURCES, "speech", ("dog_bark",), ("acoustic.",)),
    Veto(LEARNED_SOURCES, "fight", ("dog_bark",), ("acoustic.",)),
    Veto(LEARNED_SOURCES, "fight", ("speech",), (SPEECH_AUTHORITY,)),
    Veto(("acoustic.dog",), "dog_bark", ("speech",), (SPEECH_AUTHORITY,)),
    Veto(YAMNET_SOURCES, "gunshot", ("glass_break",), ("acoustic.glass",)),
    Veto(YAMNET_SOURCES, "explosion", ("glass_break",), ("acoustic.glass",)),
    Veto(YAMNET_SOURCES, "explosion", ("gunshot",), ("acoustic.impulse",)),
    Veto(YAMNET_SOURCES, "glass_break", ("explosion",), ("acoustic.impulse",)),
    # AudioSet's "Alarm" is the parent class of "Siren": the police siren scores Alarm 0.41-0.48 beside
    # Emergency vehicle 0.84-0.89; the child names the sound.
    Veto(YAMNET_SOURCES, "alarm", ("siren",), YAMNET_SOURCES),
)
SPEECH_FOLLOWERS = (*LEARNED_SOURCES, *YAMNET_SOURCES)  # their speech gives way to the voice detector


def _overlap(a: SoundEvent, b: SoundEvent) -> bool:
    return a.t_s < b.end_s and b.t_s < a.end_s


def _vetoed(event: SoundEvent, heard: Sequence[SoundEvent]) -> bool:
    for veto in VETOES:
        if event.label != veto.label or not event.source.startswith(veto.sources):
            continue
        if any(
            other.label in veto.by_labels
            and other.source.startswith(veto.by_sources)
            and _overlap(other, event)
            for other in heard
        ):
            return True
    return False


def reconcile(events: Sequence[SoundEvent], has_speech_authority: bool) -> list[SoundEvent]:
    kept = [
        event
        for event in events
        if event.label not in NOT_REPORTED
        and not (
            event.label == "speech" and has_speech_authority and event.source.startswith(SPEECH_FOLLOWERS)
        )
        and not _vetoed(event, events)
    ]
    return merge_overlapping(kept)


def merge_overlapping(events: Sequence[SoundEvent]) -> list[SoundEvent]:
    """One event per label per stretch of time: earliest start, latest end, best confidence, all sources."""
    return merge_events(list(events), gap_s=0.0, by_source=False)


def unknown_loud(
    samples: NDArray[np.float32],
    t_s: float,
    reported: Sequence[SoundEvent],
    guesses: Sequence[PatchGuess] = (),
    second_s: float = UNKNOWN_JUDGED_S,
) -> SoundEvent | None:
    """An `unknown_loud` event for the window's second before its newest one, or None.

    That second, not the newest, is judged: the second after it is in the window too, so a siren or a
    bark that has only begun is named by then (YAMNet is unsure of the first half second of most sounds).
    Loud is the loudness gate's test made inside the window: the second's loudest 100 ms is at least
    `MARGIN_DB` over the window's quiet level (the 20th percentile of its 100 ms levels, digital silence
    left out: a stream's leading or trailing zeros are no background) and over `FLOOR_DBFS`; and new:
    `NEW_SOUND_MARGIN_DB` louder than anything earlier in the window (the last beeps of an alarm already
    named, or steady traffic, were judged when they began). Unknown:
    nothing was `reported` in the window (a named sound's loud tail is that sound) and none of YAMNet's
    `guesses` (its best class per patch) overlapping the second reaches `KNOWN_SCORE`.
    """
    second = round(second_s * AUDIO_SAMPLE_RATE)
    if len(samples) < 2 * second or reported:
        return None
    end_s = t_s + (len(samples) - second) / AUDIO_SAMPLE_RATE
    begin_s = end_s - second_s
    levels = frame_levels_dbfs(samples)
    heard = levels[levels > DIGITAL_SILENCE_DBFS]
    level = float(frame_levels_dbfs(samples[-2 * second : -second]).max())
    if len(heard) == 0 or level < FLOOR_DBFS:
        return None
    over = level - float(np.percentile(heard, QUIET_PERCENTILE))
    before = frame_levels_dbfs(samples[: -2 * second])
    if over < MARGIN_DB or (len(before) and level < float(before.max()) + NEW_SOUND_MARGIN_DB):
        return None
    near = [g for g in guesses if g.t_s < end_s and begin_s < g.end_s]
    if any(g.score >= KNOWN_SCORE for g in near):
        return None
    conf = min(UNKNOWN_CONF_MAX, UNKNOWN_CONF_MIN + (over - MARGIN_DB) / 80.0)
    detail = f"{level:.0f} dBFS, {over:.0f} dB over the window's quiet level; nothing named it"
    if near:
        best = max(near, key=lambda g: g.score)
        detail += f" (YAMNet's best guess '{best.name}' {best.score:.2f})"
    return SoundEvent(UNKNOWN_LOUD, conf, begin_s, end_s, "ensemble", detail)


class SoundEnsemble:
    """The members in order; `classify` as each member does, reconciled, plus an unknown loud sound."""

    name = "ensemble"

    def __init__(self, members: Sequence[SoundClassifier]) -> None:
        if not members:
            raise ValueError("a sound ensemble needs at least one member")
        self.members = list(members)
        self.window_s = max(m.window_s for m in members)
        self._has_vad = any(m.name == SPEECH_AUTHORITY for m in members)
        self._has_yamnet = any(m.name == YAMNET_ONNX for m in members)
        self._full = round(self.window_s * AUDIO_SAMPLE_RATE)

    def _votes(self, member: SoundClassifier) -> frozenset[str] | None:
        return votes_beside_yamnet(member.name) if self._has_yamnet else None

    def classify(self, samples: NDArray[np.float32], t_s: float) -> list[SoundEvent]:
        heard: list[SoundEvent] = []
        guesses: list[PatchGuess] = []
        for member in self.members:
            if isinstance(member, YamnetOnnxClassifier):
                analysis = member.analyse(
                    samples, t_s, len(samples) >= self._full, ONSET_LABELS, ONSET_CONTEXT_AFTER_S
                )
                events, guesses = analysis.events, [*guesses, *analysis.guesses]
            else:
                events = member.classify(samples, t_s)
            votes = self._votes(member)
            heard += events if votes is None else [e for e in events if e.label in votes]
        kept = reconcile(heard, self._has_vad)
        unknown = unknown_loud(samples, t_s, kept, guesses)
        return kept if unknown is None else [*kept, unknown]
