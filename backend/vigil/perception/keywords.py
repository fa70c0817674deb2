"""Words of distress in a transcript: which keywords were said, and how strongly they count.

- Matched on words, not letters: lower case, punctuation and apostrophes normalised, whole words only
  ("hello" never matches "help", "firearm" never "fire").
- A keyword of several words ("let me go") counts at full strength wherever it is said; a single word
  counts at full strength when it is a call (its clause, the words between punctuation marks, has at most
  `CALL_MAX_WORDS` words: "Help!", "Stop it!", "Police!") and at `IN_SENTENCE_FACTOR` inside a longer
  sentence ("I'll stop by the shop later"), so ordinary talk alone stays under the distress threshold.
- Sound-alikes: Whisper tiny.en writes a harsh, shouted "help" as "hell" (MODELS.md: "Hell, somebody
  called the police"). "hell" counts as "help" only when it is a clause on its own ("Hell!", "Hell,
  somebody..."), never inside one ("what the hell", "go to hell").
The `call_for_help` event's confidence is the transcript's word confidence times that strength.
Pure (no model): settings, the worker and the tests share it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vigil.domain import SoundEvent, Transcript

DEFAULT_KEYWORDS = (
    "help", "help me", "police", "call the police", "fire", "stop", "let me go", "leave me alone",
    "get off me", "don't hurt me",
)  # fmt: skip
SOUND_ALIKES: dict[str, tuple[str, ...]] = {"help": ("hell",)}
CALL_MAX_WORDS = 3  # "Help!", "Stop it now!": a call, not a sentence
IN_SENTENCE_FACTOR = 0.5  # a single keyword inside a longer sentence counts half
LABEL = "call_for_help"

_CLAUSE_END = re.compile(r"[.!?,;:\u2026\u2014]+")  # … and — end a clause too
_WORD = re.compile(r"[a-z0-9']+")


def words_of(text: str) -> list[str]:
    """Lower-case words, apostrophes kept inside words ("don't"), curly quotes made straight."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return [word.strip("'") for word in _WORD.findall(text) if word.strip("'")]


def clauses_of(text: str) -> list[list[str]]:
    """The words of each clause: the stretches between punctuation marks."""
    return [words for part in _CLAUSE_END.split(text) if (words := words_of(part))]


def normalise_keywords(keywords: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Each keyword as its words; empty ones dropped, duplicates once."""
    seen: dict[tuple[str, ...], None] = {}
    for keyword in keywords:
        words = tuple(words_of(keyword))
        if words:
            seen[words] = None
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class KeywordHit:
    keyword: str  # as configured, normalised ("let me go")
    heard: str  # the words as transcribed ("hell" for a sound-alike)
    call: bool  # full strength: a phrase, or a single word that is its clause's call


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


def find_keywords(text: str, keywords: Sequence[str]) -> list[KeywordHit]:
    """Every keyword heard in `text`, once each, the strongest way it was said."""
    hits: dict[str, KeywordHit] = {}

    def add(hit: KeywordHit) -> None:
        known = hits.get(hit.keyword)
        if known is None or (hit.call and not known.call):
            hits[hit.keyword] = hit

    for words in clauses_of(text):
        for phrase in normalise_keywords(keywords):
            keyword = " ".join(phrase)
            if _contains(words, phrase):
                add(KeywordHit(keyword, keyword, len(phrase) > 1 or len(words) <= CALL_MAX_WORDS))
            alikes = SOUND_ALIKES.get(keyword, ())
            if len(phrase) == 1 and words and all(word in alikes for word in words):
                add(KeywordHit(keyword, words[0], True))  # "Hell!" alone: a shouted "help"
    return list(hits.values())


def call_for_help(transcript: Transcript, keywords: Sequence[str]) -> SoundEvent | None:
    """The distress evidence in one transcript: None when no keyword was said."""
    hits = find_keywords(transcript.text, keywords)
    if not hits:
        return None
    strength = 1.0 if any(hit.call for hit in hits) else IN_SENTENCE_FACTOR
    said = ", ".join(
        f'"{hit.keyword}"'
        + (f' (heard "{hit.heard}")' if hit.heard != hit.keyword else "")
        + ("" if hit.call else " in a sentence")
        for hit in hits
    )
    return SoundEvent(
        label=LABEL,
        conf=round(transcript.conf * strength, 4),
        t_s=transcript.t_s,
        end_s=transcript.end_s,
        source=transcript.source,
        detail=f"said {said}; word confidence {transcript.conf:.2f}",
    )
