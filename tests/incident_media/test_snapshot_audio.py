"""The incident's JPEG snapshot and WAV snippet, and the face blur, on the plaza scenario and real photos."""

from __future__ import annotations

import hashlib
import io
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.incident_media.clipkit import detail_correlation, loudest_second
from tests.incident_media.conftest import Recorded
from tests.media import shared_media_dir
from vigil.domain import Box, Detection, Face, Observation
from vigil.media.audio import NoAudioError, cut_audio, write_wav
from vigil.media.privacy import BLOCKS, FaceTimeline, blur_regions, grow
from vigil.media.snapshot import key_frame, write_snapshot


def pixels(box: Box, image: np.ndarray) -> tuple[slice, slice]:
    height, width = image.shape[:2]
    return slice(int(box.y1 * height), int(box.y2 * height)), slice(int(box.x1 * width), int(box.x2 * width))


def test_the_wav_snippet_of_the_scream_is_loudest_where_the_scream_is(
    plaza_recording: Recorded, scream: tuple[float, float], tmp_path: Path
) -> None:
    written = write_wav(plaza_recording.chunks, scream[0], scream[1], tmp_path / "audio.wav", pad_s=1.5)

    assert written.start_s == pytest.approx(scream[0] - 1.5, abs=0.01)
    assert written.duration_s == pytest.approx(scream[1] - scream[0] + 3.0, abs=0.01)
    content = written.path.read_bytes()
    assert (len(content), hashlib.sha256(content).hexdigest()) == (written.bytes, written.sha256)
    with wave.open(str(written.path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16_000)
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    samples = (pcm / 32767).astype(np.float32)
    assert len(samples) == round(written.duration_s * 16_000)
    loudest = written.start_s + loudest_second(samples)
    assert scream[0] - 0.3 <= loudest <= scream[1] - 0.7
    # The same sound the source decoded, not a resampled or shifted copy.
    source = cut_audio(plaza_recording.chunks, scream[0], scream[1], pad_s=1.5).samples
    assert float(np.abs(source - samples).max()) < 1e-4


def test_audio_outside_the_buffer_is_an_error_and_gaps_stay_silent(plaza_recording: Recorded) -> None:
    with pytest.raises(NoAudioError):
        cut_audio(plaza_recording.chunks, 500.0, 510.0)
    chunks = [c for i, c in enumerate(plaza_recording.chunks) if i != 50]  # one chunk dropped
    gap = plaza_recording.chunks[50]
    snippet = cut_audio(chunks, gap.t_s - 1, gap.t_s + 1, pad_s=0.0)
    start = round((gap.t_s - snippet.start_s) * 16_000)
    assert not snippet.samples[start : start + len(gap.samples)].any()
    assert snippet.duration_s == pytest.approx(2.0, abs=1e-3)


def test_the_snapshot_is_a_jpeg_with_the_boxes_drawn(plaza_recording: Recorded, tmp_path: Path) -> None:
    frame = key_frame(plaza_recording.frames, 26.0)
    assert frame.t_s == pytest.approx(26.0, abs=0.06)
    box = Box(0.30, 0.30, 0.60, 0.80)
    observation = Observation(1, frame.t_s, 0.0, detections=(Detection("person", 0.91, box),))

    stored = write_snapshot(frame.image, [observation], tmp_path / "snapshot.jpg")

    content = stored.path.read_bytes()
    assert (len(content), hashlib.sha256(content).hexdigest()) == (stored.bytes, stored.sha256)
    picture = Image.open(io.BytesIO(stored.path.read_bytes()))
    assert (picture.format, picture.size) == ("JPEG", (768, 576))
    drawn = np.asarray(picture.convert("RGB"), dtype=np.int16)
    difference = np.abs(drawn - frame.image.astype(np.int16)).mean(axis=2)
    left_edge = difference[int(0.45 * 576) : int(0.75 * 576), int(0.30 * 768) - 1 : int(0.30 * 768) + 2]
    assert float(left_edge.mean()) > 40  # the box outline
    far = difference[int(0.05 * 576) : int(0.20 * 576), int(0.75 * 768) : int(0.95 * 768)]
    assert float(far.mean()) < 4  # elsewhere only JPEG's loss


def test_privacy_snapshot_blurs_the_face_under_its_box(plaza_recording: Recorded, tmp_path: Path) -> None:
    frame = key_frame(plaza_recording.frames, 26.0)
    face = Box(0.40, 0.30, 0.52, 0.50)
    observation = Observation(1, frame.t_s, 0.0, faces=(Face(face, 0.9),))
    plain = write_snapshot(frame.image, [observation], tmp_path / "plain.jpg")
    private = write_snapshot(frame.image, [observation], tmp_path / "private.jpg", blur_faces=True)

    inner = Box(face.x1 + 0.01, face.y1 + 0.01, face.x2 - 0.01, face.y2 - 0.01)  # inside the drawn outline
    rows, cols = pixels(inner, frame.image)
    before = np.asarray(Image.open(plain.path).convert("RGB"))[rows, cols]
    after = np.asarray(Image.open(private.path).convert("RGB"))[rows, cols]
    assert detail_correlation(frame.image[rows, cols], before) > 0.8  # JPEG keeps the face's detail
    assert abs(detail_correlation(frame.image[rows, cols], after)) < 0.2  # the blur does not


def test_blur_makes_a_real_face_unrecognisable_and_leaves_the_rest_alone() -> None:
    image = np.asarray(
        Image.open(shared_media_dir() / "images" / "astronaut.png").convert("RGB"), dtype=np.uint8
    )
    face = Box(0.34, 0.12, 0.54, 0.36)  # the astronaut's face in the 512×512 photo
    blurred = blur_regions(image, [face])

    rows, cols = pixels(grow(face), image)
    region_before, region_after = image[rows, cols], blurred[rows, cols]
    assert abs(detail_correlation(region_before, region_after)) < 0.1
    # At most BLOCKS × BLOCKS flat colours (a few more where a block is cut by the rounding of the box).
    assert len(np.unique(region_after.reshape(-1, 3), axis=0)) <= (BLOCKS + 1) ** 2
    # Nothing outside the grown box changed, bit for bit.
    outside = np.ones(image.shape[:2], dtype=bool)
    outside[rows, cols] = False
    outside[max(0, rows.start - 1) : rows.stop + 1, max(0, cols.start - 1) : cols.stop + 1] = False
    assert np.array_equal(image[outside], blurred[outside])


def test_face_timeline_holds_the_last_faces_and_reaches_for_the_next() -> None:
    a, b = Box(0.1, 0.1, 0.2, 0.2), Box(0.5, 0.5, 0.6, 0.6)
    timeline = FaceTimeline(
        [
            Observation(1, 10.0, 0.0, faces=(Face(a, 0.9),)),
            Observation(1, 10.5, 0.0, modality="audio"),  # says nothing about faces
            Observation(1, 11.0, 0.0, faces=(Face(b, 0.9),)),
            Observation(1, 12.0, 0.0),  # analysed, no faces
        ]
    )
    assert list(timeline.boxes_at(9.0)) == [a]  # before the first analysis: its faces
    assert list(timeline.boxes_at(10.0)) == [a, b]
    assert list(timeline.boxes_at(10.7)) == [a, b]  # between: the last and the next
    assert list(timeline.boxes_at(11.5)) == [b]
    assert list(timeline.boxes_at(13.0)) == []
    assert not FaceTimeline([])
