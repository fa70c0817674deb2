"""The sound-event ensemble: every member hears the same window; their answers are reconciled.

Each member earned its place by measurement (docs/perception.md, "Sound"). Reconciling is two rules:
- a label's authority: speech comes from the voice detector (silero-vad) when it is loaded, not from the
  SVM, which calls barking "speech" (measured: dog3 → Speech 0.94);
- vetoes for measured confusions (`VETOES`): the SVM's "scream" overlapping a siren or alarm the acoustic
  detectors heard is that siren (policecar → Screams 0.62); its "speech" or "fight" overlapping barking is
  the dog, and its "fight" overlapping speech is the end of a sentence (arctic_a0007 → Fights 0.85); the
  acoustic dog detector's bursts overlapping speech the voice detector heard are syllables (29 of 501
  speech files in the training set gave barks).
Vetoes are judged against everything the members said, before any veto. Then events of one label that
overlap in time are merged into one, keeping the best confidence and naming every member that heard it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigil.domain import SoundEvent
from vigil.perception.audio_base import SoundClassifier, merge_events

SPEECH_AUTHORITY = "silero-vad"
# Not reported at all: the SVM's "music" fired at 0.80 on the city ambience of the live plaza camera (no
# music in it), and no fusion rule uses music.
NOT_REPORTED = frozenset({"music"})
LEARNED_SOURCES = ("svm-movie8class", "cnn.vigil-sound")  # classifiers with measured confusions


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
)


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
        and not (event.label == "speech" and has_speech_authority and event.source in LEARNED_SOURCES)
        and not _vetoed(event, events)
    ]
    return merge_overlapping(kept)


def merge_overlapping(events: Sequence[SoundEvent]) -> list[SoundEvent]:
    """One event per label per stretch of time: earliest start, latest end, best confidence, all sources."""
    return merge_events(list(events), gap_s=0.0, by_source=False)


class SoundEnsemble:
    """The members in order; `classify` as each member does, reconciled."""

    name = "ensemble"

    def __init__(self, members: Sequence[SoundClassifier]) -> None:
        if not members:
            raise ValueError("a sound ensemble needs at least one member")
        self.members = list(members)
        self.window_s = max(m.window_s for m in members)
        self._has_vad = any(m.name == SPEECH_AUTHORITY for m in members)

    def classify(self, samples: NDArray[np.float32], t_s: float) -> list[SoundEvent]:
        heard = [event for member in self.members for event in member.classify(samples, t_s)]
        return reconcile(heard, self._has_vad)
