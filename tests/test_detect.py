"""`vigil detect`: every model on an image, a sound and a video of the shared media, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media import plaza, shared_media_dir
from tests.perception.test_faces_emotion import model_file
from vigil.camera.offline import DetectError
from vigil.cli.detect import Report, detect
from vigil.perception.worker import PerceptionConfig, SoundConfig

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def config() -> PerceptionConfig:
    return PerceptionConfig(
        object_model=REPO / "models" / "onnx" / "nanodet.onnx",
        pose_model=REPO / "models" / "onnx" / "movenet-multipose.onnx",
        face_model=model_file("face-full-range"),
        emotion_model=model_file("emotion-mini-xception"),
        sound=SoundConfig(
            vad_model=model_file("silero-vad"),
            svm_model=REPO / "models" / "audio" / "svm-movie8class.npz",
            yamnet_onnx_model=model_file("yamnet-onnx"),
        ),
    )


def labels(items: list[dict[str, object]]) -> list[object]:
    return [item["label"] for item in items]


def test_an_image_gives_objects_poses_and_faces_and_an_annotated_copy(
    config: PerceptionConfig, tmp_path: Path
) -> None:
    report = detect(shared_media_dir() / "images" / "bus.jpg", config, annotate_to=tmp_path)
    assert report.kind == "image"
    assert "bus" in labels(report.objects)
    assert labels(report.objects).count("person") >= 3  # four pedestrians, one cut by the edge
    assert len(report.poses) >= 3
    assert report.annotated is not None
    assert Path(report.annotated).stat().st_size > 10_000
    group = detect(shared_media_dir() / "images" / "2008_001009.jpg", config)
    assert len(group.faces) == 2  # two smiling people
    assert all(face["emotion"] == "happy" for face in group.faces)


def test_a_scream_is_heard_in_a_sound_file_and_rain_is_not_a_scream(config: PerceptionConfig) -> None:
    scream = detect(shared_media_dir() / "audio" / "scream1.wav", config)
    assert scream.kind == "sound"
    assert "scream" in labels(scream.sounds)
    rain = detect(shared_media_dir() / "audio" / "rain.wav", config)
    assert not {"scream", "gunshot", "explosion", "glass_break"} & set(labels(rain.sounds))


def test_the_plaza_video_has_tracked_people_no_false_action_and_its_sounds_on_time(
    config: PerceptionConfig,
) -> None:
    truth = json.loads((shared_media_dir() / "scenarios" / "plaza_incident.json").read_text())
    report = detect(plaza(), config, fps=2.0, max_seconds=30.0)
    assert report.kind == "video"
    people = [o for o in report.objects if o["label"] == "person"]
    assert 4 <= len(people) <= 20  # 3-5 people in view at a time, about ten in 30 s (counted by eye)
    assert not {"fall", "fight"} & set(labels(report.actions))  # nobody falls or fights in it
    for event in truth["audio_events"]:
        if event["t_start"] > 28:
            continue
        heard = [s for s in report.sounds if s["label"] == event["label"]]
        assert heard, f"{event['label']} at {event['t_start']} s not heard: {report.sounds}"
        # while it lasts: from a window's reach (1 s) before its start to its end
        assert any(event["t_start"] - 1.0 <= float(str(s["t_s"])) <= event["t_end"] for s in heard), heard


def test_a_file_that_is_not_media_is_a_clear_error(config: PerceptionConfig, tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video")
    with pytest.raises(DetectError, match="not an image, sound or video"):
        detect(text, config)
    with pytest.raises(DetectError, match="no such file"):
        detect(tmp_path / "missing.wav", config)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VIGIL_DATA_DIR": "/tmp/vigil-detect-test"}
    return subprocess.run(
        [sys.executable, "-m", "vigil.cli", "detect", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_the_command_prints_json_grouped_by_task_and_fails_clearly() -> None:
    result = run_cli(str(shared_media_dir() / "audio" / "policecar.wav"), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) >= {"objects", "poses", "faces", "actions", "sounds"}
    assert "siren" in labels(report["sounds"])
    for item in report["sounds"]:
        assert {"label", "conf", "t_s"} <= set(item)
    missing = run_cli("/nonexistent/clip.mp4")
    assert missing.returncode != 0
    assert "vigil detect: /nonexistent/clip.mp4: no such file" in missing.stderr


def test_report_json_has_no_nan() -> None:
    report = Report(file="x", kind="sound")
    assert json.loads(json.dumps(report.as_json()))["sounds"] == []
