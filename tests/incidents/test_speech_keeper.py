"""Transcripts are stored only with an incident of their camera, each once; the rest is forgotten."""

from __future__ import annotations

from vigil.domain import Transcript
from vigil.incidents.speech import KEEP_S, SpeechKeeper


def said(t_s: float, text: str) -> Transcript:
    return Transcript(t_s, t_s + 2.0, text, 0.8, "whisper-tiny-en")


def test_speech_around_an_incident_is_kept_with_it_and_the_rest_is_not() -> None:
    keeper = SpeechKeeper()
    long_before, just_before = said(0.0, "nice weather"), said(20.0, "leave me alone")
    keeper.hear(1, (long_before, just_before), 22.0)
    keeper.hear(2, (said(24.0, "another camera"),), 26.0)
    # a scream at 24 s opens an incident on camera 1: speech from MARGIN_S (5 s) before it belongs to it
    assert keeper.for_update(7, 100, 1, 24.0, None) == [just_before]
    during = said(26.0, "help me")
    keeper.hear(1, (during,), 28.0)
    assert keeper.for_open_incidents(1) == [(100, during)]
    assert keeper.for_open_incidents(1) == []  # each transcript once
    after = said(40.0, "it's over")
    keeper.hear(1, (after,), 42.0)
    assert keeper.for_update(7, 100, 1, 24.0, 30.0) == []  # closed at 30 s: later speech is not its
    assert keeper.for_open_incidents(1) == []


def test_unclaimed_speech_is_forgotten_after_a_minute() -> None:
    keeper = SpeechKeeper()
    keeper.hear(1, (said(0.0, "nice weather"),), 2.0)
    keeper.hear(1, (said(KEEP_S + 10, "hello"),), KEEP_S + 12)
    assert [t.text for t in keeper.for_update(1, 5, 1, 0.0, None)] == ["hello"]  # "nice weather" is gone
    keeper.forget(1)
    assert keeper.for_open_incidents(1) == []
