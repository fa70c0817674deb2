"""Object detection: numpy pre/post-processing on synthetic arrays, NanoDet on the shared images and video."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from tests.media import shared_media_dir
from vigil.domain import Detection
from vigil.perception.coco import COCO_LABELS
from vigil.perception.objects import (
    DEFAULT_NANODET,
    GFL_BINS,
    NanoDetDetector,
    ObjectDetector,
    Placement,
    batched_nms,
    decode_nanodet,
    decode_yolov8,
    gfl_distances,
    grid_centres,
    letterbox,
    nms,
    onnx_float_type,
    parse_names,
    resize,
    stretch,
    to_detections,
)
from vigil.perception.onnx_runtime import ModelLoadError, make_session

VTEST_SECONDS = (5, 20, 35, 50, 65)


def read_image(path: Path) -> NDArray[np.uint8]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)


def vtest_frames() -> dict[int, NDArray[np.uint8]]:
    """The first frame at or after each of VTEST_SECONDS of vtest.avi (10 fps)."""
    wanted = list(VTEST_SECONDS)
    frames: dict[int, NDArray[np.uint8]] = {}
    with av.open(str(shared_media_dir() / "video" / "vtest.avi")) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= wanted[0]:
                frames[wanted.pop(0)] = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                if not wanted:
                    break
    assert not wanted, f"vtest.avi ended before {wanted} s"
    return frames


def persons(detections: list[Detection]) -> list[Detection]:
    return [d for d in detections if d.label == "person"]


def assert_well_formed(detections: list[Detection]) -> None:
    for d in detections:
        b = d.box
        assert 0.0 <= b.x1 < b.x2 <= 1.0, d
        assert 0.0 <= b.y1 < b.y2 <= 1.0, d
        assert 0.0 < d.conf <= 1.0, d
        assert d.track_id is None
    confs = [d.conf for d in detections]
    assert confs == sorted(confs, reverse=True)


# ---------------------------------------------------------------------------------------------------------
# Pure functions
# ---------------------------------------------------------------------------------------------------------
def test_coco_labels_are_the_80_classes_in_order() -> None:
    assert len(COCO_LABELS) == 80
    assert len(set(COCO_LABELS)) == 80
    assert COCO_LABELS[:8] == ("person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck")
    assert COCO_LABELS[-1] == "toothbrush"


def test_resize_averages_when_shrinking_and_keeps_corners_when_growing() -> None:
    image = np.arange(16, dtype=np.uint8).reshape(4, 4, 1) * 10
    small = resize(image, 2, 2)
    expected = image.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(2, 2, 4).mean(axis=2)
    np.testing.assert_allclose(small[..., 0], expected, atol=1e-4)

    odd = np.random.default_rng(0).integers(0, 256, (7, 11, 3)).astype(np.uint8)
    assert resize(odd, 5, 3).mean() == pytest.approx(odd.mean(), abs=1e-3)  # area weights sum to one

    grown = resize(np.array([[[0], [100]], [[100], [200]]], dtype=np.uint8), 4, 4)
    assert grown.shape == (4, 4, 1)
    assert grown[0, 0, 0] == 0.0
    assert grown[3, 3, 0] == 200.0
    np.testing.assert_allclose(grown + grown[::-1, ::-1], 200.0, atol=1e-4)  # symmetric like the input

    same = np.full((3, 5, 3), 7, dtype=np.uint8)
    np.testing.assert_array_equal(resize(same, 5, 3), same.astype(np.float32))


def test_stretch_scales_each_axis() -> None:
    image = np.zeros((50, 200, 3), dtype=np.uint8)
    out, placement = stretch(image, 100, 100)
    assert out.shape == (100, 100, 3)
    assert placement == Placement(scale_x=0.5, scale_y=2.0)
    back = placement.to_original(np.array([[50.0, 50.0, 100.0, 100.0]], dtype=np.float32))
    np.testing.assert_allclose(back, [[100.0, 25.0, 200.0, 50.0]])


def test_letterbox_centres_the_image_and_maps_boxes_back() -> None:
    image = np.full((50, 100, 3), 255, dtype=np.uint8)  # wide: scaled by 0.64 to 64×32, 16 px bands
    canvas, placement = letterbox(image, 64, 64)
    assert canvas.shape == (64, 64, 3)
    assert placement == Placement(scale_x=0.64, scale_y=0.64, pad_x=0.0, pad_y=16.0)
    assert (canvas[:16] == 114).all()
    assert (canvas[48:] == 114).all()
    np.testing.assert_allclose(canvas[16:48], 255.0, atol=1e-3)
    box = np.array([[0.0, 16.0, 64.0, 48.0]], dtype=np.float32)  # the whole image inside the canvas
    np.testing.assert_allclose(placement.to_original(box), [[0.0, 0.0, 100.0, 50.0]], atol=1e-4)


def test_nms_keeps_the_best_of_overlapping_boxes_within_a_class() -> None:
    boxes = np.array(
        [[0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [0, 0, 10, 10]], dtype=np.float32
    )  # box 1 overlaps box 0 with IoU 9/11
    scores = np.array([0.6, 0.9, 0.5, 0.4], dtype=np.float32)
    assert nms(boxes, scores, 0.5).tolist() == [1, 2]
    assert nms(boxes, scores, 0.95).tolist() == [1, 0, 2]  # IoU 0.82 is below the threshold
    classes = np.array([0, 0, 0, 5], dtype=np.int64)
    assert batched_nms(boxes, scores, classes, 0.5).tolist() == [1, 2, 3]  # another class is not suppressed
    empty = np.zeros((0, 4), dtype=np.float32)
    assert batched_nms(empty, np.zeros(0, np.float32), np.zeros(0, np.int64), 0.5).tolist() == []


def _peaked(bins: dict[int, float]) -> NDArray[np.float32]:
    """Logits of one side: -30 everywhere except the given bins."""
    logits = np.full(GFL_BINS, -30.0, dtype=np.float32)
    for index, value in bins.items():
        logits[index] = value
    return logits


def test_gfl_distance_is_the_expected_value_of_the_softmax() -> None:
    left = _peaked({2: 5.0, 4: 5.0})  # two equal peaks: 3.0 (argmax would say 2)
    top = np.zeros(GFL_BINS, dtype=np.float32)  # uniform: mean of 0..10 = 5.0
    right = _peaked({1: 0.0, 2: np.log(3.0)})  # p = 1/4, 3/4: 1.75 (softmax, not the raw logits)
    bottom = _peaked({10: 1.0})
    logits = np.concatenate([left, top, right, bottom])[None]
    np.testing.assert_allclose(gfl_distances(logits), [[3.0, 5.0, 1.75, 10.0]], atol=1e-5)


def _nanodet_outputs(size: int = 64) -> dict[int, tuple[NDArray[np.float32], NDArray[np.float32]]]:
    """Empty NanoDet-shaped outputs (class probs, box logits) per stride for a size×size input."""
    outputs = {}
    for stride in (8, 16, 32):
        cells = (size // stride) ** 2
        probs = np.zeros((1, cells, 80), dtype=np.float32)
        logits = np.zeros((1, cells, 4 * GFL_BINS), dtype=np.float32)
        outputs[stride] = (probs, logits)
    return outputs


def test_decode_nanodet_places_boxes_around_cell_centres() -> None:
    outputs = _nanodet_outputs(64)
    probs, logits = outputs[8]  # 8×8 cells
    cell = 2 * 8 + 3  # row 2, column 3: centre (3.5 × 8, 2.5 × 8) = (28, 20) with the +0.5 offset
    probs[0, cell, 5] = 0.9  # "bus"
    logits[0, cell] = np.concatenate(
        [_peaked({1: 2.0, 2: 2.0}), _peaked({1: 0.0}), _peaked({2: 0.0}), _peaked({0: 0.0, 1: 0.0})]
    )  # distances 1.5, 1, 2, 0.5 strides = 12, 8, 16, 4 px
    probs16, _ = outputs[16]
    probs16[0, 0, 0] = 0.2  # below the threshold: not decoded
    arrays = [outputs[32][1], outputs[8][0], outputs[16][1], outputs[32][0], outputs[8][1], outputs[16][0]]

    boxes, scores, classes = decode_nanodet(arrays, input_size=64, score_threshold=0.3)

    np.testing.assert_allclose(boxes, [[28 - 12, 20 - 8, 28 + 16, 20 + 4]], atol=1e-4)
    np.testing.assert_allclose(scores, [0.9])
    assert classes.tolist() == [5]


def test_decode_nanodet_orders_candidates_and_rejects_foreign_shapes() -> None:
    outputs = _nanodet_outputs(64)
    outputs[8][0][0, 10, 0] = 0.4
    outputs[32][0][0, 3, 2] = 0.8
    arrays = [a for pair in outputs.values() for a in pair]
    _, scores, classes = decode_nanodet(arrays, 64, 0.3)
    assert scores.tolist() == pytest.approx([0.8, 0.4])
    assert classes.tolist() == [2, 0]
    assert grid_centres(2, 32).tolist() == [[16, 16], [48, 16], [16, 48], [48, 48]]
    with pytest.raises(ValueError, match="square"):
        decode_nanodet([np.zeros((1, 10, 80), np.float32)], 64, 0.3)
    with pytest.raises(ValueError, match="lacks"):
        decode_nanodet([outputs[8][0]], 64, 0.3)


def test_decode_yolov8_reads_centre_width_height_per_class() -> None:
    output = np.zeros((1, 6, 4), dtype=np.float16)  # 2 classes, 4 anchors
    output[0, :4, 1] = [100, 50, 20, 10]
    output[0, 5, 1] = 0.9
    output[0, :4, 3] = [10, 10, 4, 4]
    output[0, 4, 3] = 0.3
    output[0, 4, 0] = 0.1  # below the threshold
    boxes, scores, classes = decode_yolov8(output, 0.25)
    np.testing.assert_allclose(boxes, [[90, 45, 110, 55], [8, 8, 12, 12]])
    np.testing.assert_allclose(scores, [0.9, 0.3], atol=1e-3)
    assert classes.tolist() == [1, 0]
    assert boxes.dtype == np.float32
    with pytest.raises(ValueError, match="batch"):
        decode_yolov8(np.zeros((2, 6, 4), np.float32), 0.25)


def test_parse_names_reads_ultralytics_metadata_safely() -> None:
    assert parse_names("{0: 'Normal', 1: 'Fall'}") == ["Normal", "Fall"]
    assert parse_names("{0: 'a', 2: 'c'}") == ["a", "class_1", "c"]
    assert parse_names("['x', 'y']") == ["x", "y"]
    assert parse_names("__import__('os').system('true')") is None
    assert parse_names("{oops") is None
    assert parse_names(None) is None


def test_to_detections_normalises_clips_and_drops_empty_boxes() -> None:
    boxes = np.array([[-10, 20, 50, 80], [200, 0, 250, 10], [10, 10, 10, 30]], dtype=np.float32)
    scores = np.array([0.9, 0.8, 0.7], dtype=np.float32)
    detections = to_detections(boxes, scores, ["person", "car", "dog"], width=200, height=100)
    assert [d.label for d in detections] == ["person"]
    (person,) = detections
    assert person.conf == pytest.approx(0.9)
    box = person.box
    assert (box.x1, box.y1, box.x2, box.y2) == pytest.approx((0.0, 0.2, 0.25, 0.8))


def test_onnx_float_type() -> None:
    assert onnx_float_type("tensor(float16)") is np.float16
    assert onnx_float_type("tensor(float)") is np.float32
    with pytest.raises(ValueError, match="uint8"):
        onnx_float_type("tensor(uint8)")


def test_make_session_names_the_file_and_the_fix(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(ModelLoadError, match=r"nowhere\.onnx does not exist.*models/onnx"):
        make_session(missing)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not a protobuf")
    with pytest.raises(ModelLoadError, match=r"broken\.onnx is not a valid ONNX model"):
        make_session(broken)
    pointer = tmp_path / "pointer.onnx"
    pointer.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 1\n")
    with pytest.raises(ModelLoadError, match="git lfs pull"):
        make_session(pointer)
    with pytest.raises(ValueError, match="threads"):
        make_session(DEFAULT_NANODET, threads=0)


def test_nanodet_rejects_labels_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="pedestrian"):
        NanoDetDetector(labels={"person", "pedestrian"})


# ---------------------------------------------------------------------------------------------------------
# NanoDet on real images (counts by eye in models/convert/REPORT.md)
# ---------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def nanodet() -> NanoDetDetector:
    return NanoDetDetector()


def test_nanodet_is_an_object_detector(nanodet: NanoDetDetector) -> None:
    detector: ObjectDetector = nanodet
    assert detector.name == "nanodet"
    assert nanodet.input_size == 416


def test_nanodet_finds_the_bus_and_its_pedestrians(nanodet: NanoDetDetector) -> None:
    detections = nanodet.detect(read_image(shared_media_dir() / "images" / "bus.jpg"))
    assert_well_formed(detections)
    assert len(persons(detections)) >= 3  # 2 clear + 2 cut by the image edges
    assert "bus" in {d.label for d in detections}
    assert all(d.conf >= 0.5 for d in detections)


def test_nanodet_finds_two_people_on_zidane(nanodet: NanoDetDetector) -> None:
    detections = nanodet.detect(read_image(shared_media_dir() / "images" / "zidane.jpg"))
    assert_well_formed(detections)
    assert len(persons(detections)) == 2


def test_nanodet_label_filter(nanodet: NanoDetDetector) -> None:
    only_people = NanoDetDetector(labels={"person"})
    image = read_image(shared_media_dir() / "images" / "bus.jpg")
    detections = only_people.detect(image)
    assert {d.label for d in detections} == {"person"}
    assert detections == persons(nanodet.detect(image))


def test_nanodet_finds_pedestrians_in_vtest() -> None:
    detector = NanoDetDetector()
    for second, frame in vtest_frames().items():
        detections = detector.detect(frame)
        assert_well_formed(detections)
        people = persons(detections)
        assert len(people) >= 2, f"{second} s: {people}"
        for person in people:
            area = (person.box.x2 - person.box.x1) * (person.box.y2 - person.box.y1)
            assert area <= 0.5, f"{second} s: a 'person' covering {area:.0%} of the frame"
