"""When the pool restarts and which model it sets aside (pure logic; the real crashes are in
test_pool_restarts.py)."""

from __future__ import annotations

from vigil.pipeline.beacon import LastWords
from vigil.pipeline.crashes import Crash, CrashBook, RestartPolicy

SIGKILL = -9


def running(phase: str, model: str = "", error: str = "") -> Crash:
    return Crash(SIGKILL, LastWords(phase, model, f"{model}.onnx" if model else "", error))


def test_the_delay_doubles_while_crashes_follow_each_other_and_starts_again_after_a_result() -> None:
    book = CrashBook(RestartPolicy(first_delay_s=1, max_delay_s=30))
    delays = [book.crashed(float(t), [running("idle")]) for t in range(7)]
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    book.succeeded()
    assert book.crashed(10.0, [running("idle")]) == 1


def test_a_model_is_set_aside_after_three_crashes_within_the_window_only() -> None:
    book = CrashBook(RestartPolicy(crashes_to_set_aside=3, window_s=300))
    book.crashed(0.0, [running("frames", "pose")])
    book.crashed(200.0, [running("frames", "pose")])
    book.crashed(400.0, [running("frames", "pose")])  # the first one is out of the window by now
    assert book.set_aside == {}
    book.crashed(450.0, [running("frames", "pose")])
    assert list(book.set_aside) == ["pose"]
    assert book.set_aside["pose"].startswith(
        "the pose model (pose.onnx) is set aside: it crashed its worker 3 times within 300 s while "
        "analysing frames"
    )


def test_a_worker_killed_while_idle_blames_nobody() -> None:
    book = CrashBook(RestartPolicy(crashes_to_set_aside=1))
    book.crashed(0.0, [running("idle"), Crash(None, None)])
    assert book.set_aside == {}
    assert book.last_crash == (
        "a model worker was killed by SIGKILL while idle; a model worker died while doing nothing we know of"
    )


def test_a_model_that_raised_while_loading_is_set_aside_at_once() -> None:
    book = CrashBook()
    book.crashed(0.0, [Crash(1, LastWords("start", "faces", "face.tflite", "ModelLoadError: bad file"))])
    assert book.set_aside == {
        "faces": "the faces model (face.tflite) is set aside: it could not load (ModelLoadError: bad file)"
    }


def test_a_crash_outside_any_model_sets_that_kind_of_work_aside() -> None:
    book = CrashBook(RestartPolicy(crashes_to_set_aside=2))
    for t in (0.0, 1.0):
        book.crashed(t, [running("speech")])
    assert list(book.set_aside) == ["speech"]
    assert "while transcribing speech" in book.set_aside["speech"]
