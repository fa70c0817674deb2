"""POST /cameras/probe: a source is tested as the camera would open it, and answered in words a user can act
on, within a deadline, never with the password; at most two tests run at once per server."""

from __future__ import annotations

import asyncio
import base64
import io
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.conftest import World
from tests.media import make_clip
from tests.servers.rtsp import RtspCamera, free_port
from vigil.domain import SourceKind
from vigil.ingest import probe as probe_module
from vigil.ingest.probe import Prober, ProbeResult

PROBE = "/api/v1/cameras/probe"
CAMERA_USER, CAMERA_PASSWORD = "admin", "Gate-pass-31"


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspCamera]:
    with RtspCamera() as camera:
        yield camera


@pytest.fixture(scope="module")
def locked() -> Iterator[dict[str, RtspCamera]]:
    """Cameras that play only for CAMERA_USER with CAMERA_PASSWORD, by Basic and by Digest."""
    with (
        RtspCamera(user=CAMERA_USER, password=CAMERA_PASSWORD, auth="basic") as basic,
        RtspCamera(user=CAMERA_USER, password=CAMERA_PASSWORD, auth="digest") as digest,
    ):
        yield {"basic": basic, "digest": digest}


def still(answer: dict[str, Any]) -> Image.Image:
    assert answer["snapshot_jpeg"], answer
    picture = Image.open(io.BytesIO(base64.b64decode(answer["snapshot_jpeg"])))
    assert picture.format == "JPEG"
    return picture


async def probe(world: World, body: dict[str, Any], actor: str = "owner") -> dict[str, Any]:
    response = await world.client.post(PROBE, json=body, headers=world[actor].headers)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def videos(world: World) -> Path:
    folder = Path(world.app.state.runtime.settings.file_roots)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def wait_until(condition: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


@pytest.mark.slow
async def test_a_real_rtsp_camera_answers_its_streams_and_a_still(world: World, camera: RtspCamera) -> None:
    answer = await probe(world, {"kind": "rtsp", "url": camera.url}, "admin")  # a failure's cause in full
    assert answer["reachable"] is True, f"{answer}\nthe camera's log:\n{camera.log()[-3000:]}"
    assert answer["error"] is None
    assert answer["video"] == {"codec": "h264", "width": 768, "height": 576, "fps": 10.0}
    assert answer["audio"] == {"codec": "aac", "sample_rate": 48000, "channels": 1}
    picture = still(answer)
    assert picture.size == (640, 480)  # at most 640 px wide, aspect kept
    pixels = np.asarray(picture.convert("L"), dtype=np.float32)
    assert pixels.std() > 20  # a picture of the plaza, not a grey field
    assert answer["elapsed_ms"] > 0  # how long a real camera takes is no promise (the deadline is, below)


async def test_a_dead_port_is_refused_at_once(world: World) -> None:
    port = free_port()
    # an administrator hears why; anyone else only "unreachable" (tests/security/test_outbound_policy.py)
    answer = await probe(world, {"kind": "rtsp", "url": f"rtsp://127.0.0.1:{port}/live"}, "admin")
    assert answer["reachable"] is False
    assert answer["error"].startswith("connection refused")
    assert f"127.0.0.1:{port}" in answer["error"]
    assert (answer["video"], answer["audio"], answer["snapshot_jpeg"]) == (None, None, None)


@pytest.mark.slow
async def test_the_wrong_rtsp_path_says_so(world: World, camera: RtspCamera) -> None:
    url = camera.url.replace("/plaza", "/nothing-here")
    answer = await probe(world, {"kind": "rtsp", "url": url}, "admin")
    assert answer["reachable"] is False
    assert "no stream at this path" in answer["error"]


@pytest.mark.slow
@pytest.mark.parametrize("method", ["basic", "digest"])
async def test_a_camera_asking_for_credentials_is_tested_with_those_in_the_url(
    world: World, locked: dict[str, RtspCamera], method: str
) -> None:
    camera = locked[method]
    right = await probe(world, {"kind": "rtsp", "url": camera.url_with(CAMERA_USER, CAMERA_PASSWORD)})
    assert right["reachable"] is True, right
    assert right["video"]["width"] == 768
    for url in (camera.url_with(CAMERA_USER, "hunter2"), camera.url):  # a wrong password, and none
        response = await world.client.post(
            PROBE, json={"kind": "rtsp", "url": url}, headers=world["admin"].headers
        )
        assert response.status_code == 200
        answer = response.json()
        assert answer["reachable"] is False
        assert answer["error"].startswith("authentication failed"), answer
        assert "hunter2" not in response.text
        assert CAMERA_PASSWORD not in response.text


async def test_a_good_file_inside_the_allowed_folders(world: World) -> None:
    clip = make_clip(videos(world) / "lobby.mp4", seconds=1.0, size=(1280, 720))
    answer = await probe(world, {"kind": "file", "url": str(clip)})
    assert answer["reachable"] is True, answer
    assert answer["video"] == {"codec": "mpeg4", "width": 1280, "height": 720, "fps": 10.0}
    assert answer["audio"] == {"codec": "aac", "sample_rate": 48000, "channels": 1}
    picture = still(answer)
    assert picture.size == (640, 360)
    grey = np.asarray(picture.convert("L"), dtype=np.float32)
    assert abs(float(np.median(grey)) - 90) < 8  # make_clip's grey field


async def test_damaged_and_non_video_files_say_what_they_are(world: World) -> None:
    folder = videos(world)
    whole = make_clip(folder / "whole.mp4", seconds=1.0).read_bytes()
    (folder / "cut.mp4").write_bytes(whole[: len(whole) // 3])  # the index (moov) is at the end: lost
    (folder / "notes.mp4").write_text("not a video at all\n" * 100)
    with wave.open(str(folder / "sound.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(bytes(32_000))

    cut = await probe(world, {"kind": "file", "url": str(folder / "cut.mp4")})
    notes = await probe(world, {"kind": "file", "url": str(folder / "notes.mp4")})
    sound = await probe(world, {"kind": "file", "url": str(folder / "sound.wav")})

    assert (cut["reachable"], notes["reachable"], sound["reachable"]) == (False, False, False)
    assert cut["error"].startswith("not a video file, or the file is damaged"), cut
    assert notes["error"].startswith("not a video file"), notes
    assert sound["error"] == "no video stream: the file has only sound", sound
    assert sound["audio"] == {"codec": "pcm_s16le", "sample_rate": 16000, "channels": 1}


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        ({"kind": "file", "url": "/etc/passwd"}, "url", "outside the folders allowed by VIGIL_FILE_ROOTS"),
        ({"kind": "file", "url": "relative.mp4"}, "url", "absolute path"),
        ({"kind": "rtsp", "url": "http://192.0.2.1/live"}, "url", "rtsp:// or rtsps://"),
        ({"kind": "usb", "url": "camera"}, "url", "/dev/videoN"),
        ({"kind": "webrtc", "url": ""}, "kind", "a WebRTC camera is tested by publishing to it"),
    ],
)
async def test_source_problems_answer_422_at_the_field_as_create_does(
    world: World, body: dict[str, Any], where: str, words: str
) -> None:
    response = await world.client.post(PROBE, json=body, headers=world["owner"].headers)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert [error["loc"] for error in errors] == [["body", where]]
    assert words in errors[0]["msg"]


async def test_the_masked_url_of_a_managed_camera_is_tested_with_the_stored_password(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    def fake_probe(kind: object, url: str, *_args: object) -> ProbeResult:
        opened.append(url)
        return ProbeResult(False, "connection refused: nothing listens at 127.0.0.1:9", 3)

    monkeypatch.setattr(probe_module, "probe_source", fake_probe)
    masked = "rtsp://admin:***@127.0.0.1:9/stream1"  # what the API shows of the stored URL
    for actor in ("owner", "admin"):
        answer = await probe(world, {"kind": "rtsp", "url": masked, "camera_id": world.camera_id}, actor)
        assert answer["reachable"] is False
    assert opened == ["rtsp://admin:s3cret@127.0.0.1:9/stream1"] * 2
    # without the camera, or with another URL, the URL is tested as it is sent
    await probe(world, {"kind": "rtsp", "url": masked})
    await probe(
        world, {"kind": "rtsp", "url": "rtsp://admin:new@127.0.0.1:9/x", "camera_id": world.camera_id}
    )
    assert opened[2:] == [masked, "rtsp://admin:new@127.0.0.1:9/x"]

    # the detect substream's masked URL keeps the substream's own stored password
    sub = "rtsp://viewer:sub-pass@127.0.0.1:9/stream2"
    changed = await world.client.patch(
        f"/api/v1/cameras/{world.camera_id}", json={"detect_url": sub}, headers=world["owner"].headers
    )
    assert changed.status_code == 200, changed.text
    shown = changed.json()["detect_url"]
    await probe(world, {"kind": "rtsp", "url": shown, "camera_id": world.camera_id, "stream": "detect"})
    assert opened[4:] == [sub]
    del opened[4:]

    # a camera you may not see does not exist; one you only use is not yours to test
    for actor, status in (("stranger", 404), ("operator", 403), ("viewer", 403)):
        response = await world.client.post(
            PROBE,
            json={"kind": "rtsp", "url": masked, "camera_id": world.camera_id},
            headers=world[actor].headers,
        )
        assert response.status_code == status, (actor, response.text)
        assert "s3cret" not in response.text
    assert len(opened) == 4


async def test_the_still_of_a_camera_with_a_privacy_mask_has_the_mask_blacked_out(world: World) -> None:
    clip = make_clip(videos(world) / "yard.mp4", seconds=1.0, size=(640, 480))
    mask = {"name": "window", "kind": "privacy", "points": [[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]]}
    created = await world.client.post(
        "/api/v1/cameras",
        json={"name": "yard", "kind": "file", "url": str(clip), "zones": [mask], "enabled": False},
        headers=world["owner"].headers,
    )
    assert created.status_code == 201, created.text
    answer = await probe(world, {"kind": "file", "url": str(clip), "camera_id": created.json()["id"]})
    pixels = np.asarray(still(answer).convert("L"), dtype=np.float32)
    inside, outside = pixels[8:232, 8:312], pixels[248:, 328:]
    assert inside.max() < 16  # black
    assert inside.std() < 2  # and flat
    assert abs(float(outside.mean()) - 90) < 8  # the picture's grey field elsewhere
    unmasked = await probe(world, {"kind": "file", "url": str(clip)})  # a new camera has no masks yet
    assert np.asarray(still(unmasked).convert("L"), dtype=np.float32)[8:232, 8:312].mean() > 60


@pytest.mark.slow
async def test_a_hung_camera_answers_by_the_deadline_and_a_third_probe_is_busy(world: World) -> None:
    world.app.state.runtime.prober = prober = Prober(open_timeout_s=2.0, read_timeout_s=1.0, deadline_s=3.0)
    with RtspCamera() as hung_camera:
        hung_camera.freeze()  # the kernel still accepts connections; nothing answers
        url = hung_camera.url
        started = time.monotonic()
        hung = [asyncio.ensure_future(probe(world, {"kind": "rtsp", "url": url}, "admin")) for _ in range(2)]
        await wait_until(lambda: prober.running == 2, 5.0)
        busy = await world.client.post(
            PROBE, json={"kind": "rtsp", "url": url}, headers=world["admin"].headers
        )
        assert busy.status_code == 429
        assert busy.json() == {"detail": "PROBE_BUSY"}
        answers = await asyncio.gather(*hung)
        assert time.monotonic() - started < 4  # the deadline (3 s) is the promise under test
        for answer in answers:
            assert answer["reachable"] is False
            assert answer["error"].startswith("timed out"), answer
        # the threads end at FFmpeg's own timeout, and give their slots back
        await wait_until(lambda: prober.running == 0, 5.0)


async def test_the_deadline_holds_even_when_the_reader_thread_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def stuck(*_args: object) -> ProbeResult:
        release.wait(10)
        return ProbeResult(True, None, 10_000)

    monkeypatch.setattr(probe_module, "probe_source", stuck)
    prober = Prober(max_running=1, deadline_s=0.5)
    started = time.monotonic()
    answer = await prober.probe(SourceKind.RTSP, "rtsp://192.0.2.1/live")
    assert time.monotonic() - started < 1.5
    assert (answer.reachable, answer.error) == (
        False,
        "timed out: 192.0.2.1 did not send a picture within 0.5 s",
    )
    assert prober.running == 1  # the stuck thread keeps its slot: no new thread until it ends
    with pytest.raises(probe_module.ProbeBusyError):
        await prober.probe(SourceKind.RTSP, "rtsp://192.0.2.1/live")
    release.set()
    await wait_until(lambda: prober.running == 0, 2.0)
