"""Browser cameras end to end: Debian's chromium (fake camera and microphone from real media files) logs in
to the dashboard of a real server and publishes over WebRTC from its /publish page; the server's
`WebRtcSource` is read directly from `app.state.runtime.webrtc`. Also the offer route's refusals and
the pure helpers.

Needs the built dashboard (`frontend/dist`, or the build `VIGIL_E2E_DIST` names), /usr/bin/chromium and
ffmpeg (scripts/ci/install-system-deps.sh) and the shared media folder.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import aioice.ice
import httpx
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.conftest import PASSWORD, World, make_settings, world_over_http
from tests.e2e.helpers import DIST, log_in
from tests.servers.live_server import LiveServer, live_server
from vigil.db.tables import Camera
from vigil.domain import AudioChunk, Frame, ShareRole, SourceKind
from vigil.ingest.webrtc import (
    AudioChunker,
    TrackClock,
    WebRtcRegistry,
    WebRtcSource,
    enable_loopback_candidates,
    raise_video_bitrate,
)

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
MEDIA_CANDIDATES = (REPO.parent / "shared" / "media", REPO / "shared" / "media")
OUTPUT = REPO / "test-output"
WIDTH, HEIGHT, FPS = 640, 480, 10


# --- fixtures ----------------------------------------------------------------------------------------


def _media_dir() -> Path:
    for candidate in MEDIA_CANDIDATES:
        if (candidate / "video" / "vtest.avi").is_file():
            return candidate
    pytest.fail(
        f"shared test media not found in {[str(c) for c in MEDIA_CANDIDATES]} (see shared/media/README)"
    )


@dataclass(frozen=True)
class FakeMedia:
    video: Path  # y4m, WIDTH×HEIGHT at FPS
    audio: Path  # wav, 48 kHz mono


@pytest.fixture(scope="module")
def fake_media(tmp_path_factory: pytest.TempPathFactory) -> FakeMedia:
    """Chrome's fake capture devices play a y4m and a wav (looping): made here from the shared media."""
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ci/install-system-deps.sh")
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        pytest.fail("ffmpeg is missing: run scripts/ci/install-system-deps.sh")
    media = _media_dir()
    folder = tmp_path_factory.mktemp("fake-media")
    video, audio = folder / "camera.y4m", folder / "microphone.wav"
    vtest, citysounds = media / "video" / "vtest.avi", media / "audio" / "citysounds.wav"
    run = [ffmpeg, "-nostdin", "-v", "error", "-y"]
    scale = f"scale={WIDTH}:{HEIGHT},fps={FPS}"
    subprocess.run([*run, "-t", "10", "-i", vtest, "-vf", scale, "-pix_fmt", "yuv420p", video], check=True)
    subprocess.run([*run, "-i", citysounds, "-ac", "1", "-ar", "48000", "-t", "10", audio], check=True)
    return FakeMedia(video, audio)


@pytest.fixture(scope="module")
async def browser(fake_media: FakeMedia) -> AsyncIterator[Browser]:
    args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_media.video}",
        f"--use-file-for-fake-audio-capture={fake_media.audio}",
        "--allow-loopback-in-peer-connection",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        await browser.close()


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    if not (DIST / "index.html").is_file():
        pytest.fail(f"the dashboard is not built ({DIST}): run `make frontend`")
    settings = make_settings(tmp_path_factory.mktemp("webrtc"), frontend_dist=DIST)
    async with live_server(settings) as server:
        yield server


@pytest.fixture(scope="module")
async def live_world(server: LiveServer) -> AsyncIterator[World]:
    async with world_over_http(server.app, server.url) as world:
        yield world


async def add_webrtc_camera(world: World, owner: str = "owner", **shares: ShareRole) -> int:
    camera_id = await world.add_camera(owner, dict(shares.items()))
    async with world.app.state.runtime.session_factory() as db:
        camera = await db.get(Camera, camera_id)
        assert camera is not None
        camera.kind, camera.url, camera.name = SourceKind.WEBRTC, "", f"phone {camera_id}"
        db.add(camera)
        await db.commit()
    return camera_id


# --- what the server receives ------------------------------------------------------------------------


@dataclass
class Received:
    """Everything one source yields, with the monotonic time it came out."""

    frames: list[tuple[float, Frame]] = field(default_factory=list)
    chunks: list[tuple[float, AudioChunk]] = field(default_factory=list)

    async def collect(self, source: WebRtcSource) -> None:
        async for item in source:
            if isinstance(item, Frame):
                self.frames.append((time.monotonic(), item))
            elif isinstance(item, AudioChunk):
                self.chunks.append((time.monotonic(), item))


@dataclass
class Publishing:
    source: WebRtcSource
    received: Received
    task: asyncio.Task[None]
    answer_sdp: str
    clicked_at: float


async def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        await asyncio.sleep(0.05)


STATE = ".publish-state"  # the page's state in words, its name in data-state


async def sign_in_and_start(
    server: LiveServer, page: Page, camera_id: int, collect: bool = True
) -> Publishing:
    """Through the dashboard: log in as the owner, open /publish, pick the camera, press Start; return the
    live source.

    With `collect`, the test reads the source itself (from the moment the server has answered, so what it
    reads comes from this publisher); without, the camera's pipeline does.
    """
    source = server.app.state.runtime.webrtc.get_or_create(camera_id)
    received = Received()
    await log_in(page, server.url, "owner@example.com", PASSWORD)
    await page.get_by_role("link", name="Use as camera").click()
    await expect(page.get_by_role("heading", name="Use this device as a camera")).to_be_visible()
    await page.get_by_label("Vigil camera").select_option(str(camera_id))
    await expect(page).to_have_url(re.compile(rf"/publish\?camera={camera_id}$"))
    async with page.expect_response(lambda r: r.url.endswith(f"/cameras/{camera_id}/webrtc/offer")) as info:
        clicked_at = time.monotonic()
        await page.get_by_role("button", name="Start").click()
    response = await info.value
    task = asyncio.create_task(received.collect(source) if collect else asyncio.sleep(0))
    assert response.status == 200, await response.text()
    answer = await response.json()
    await expect(page.locator(STATE)).to_have_attribute("data-state", "publishing")
    return Publishing(source, received, task, answer["sdp"], clicked_at)


async def stop_and_expect_offline(page: Page, publishing: Publishing) -> None:
    await page.get_by_role("button", name="Stop").click()
    await expect(page.locator(STATE)).to_have_text("Stopped.")
    await wait_for(lambda: publishing.source.health().state == "offline", 10, "health 'offline' after Stop")
    assert publishing.source.health().last_error


def save_screenshot_path(name: str) -> str:
    OUTPUT.mkdir(exist_ok=True)
    return str(OUTPUT / name)


# --- end to end --------------------------------------------------------------------------------------


async def test_browser_publishes_camera_and_microphone(
    server: LiveServer, live_world: World, browser: Browser
) -> None:
    camera_id = await add_webrtc_camera(live_world)
    assert server.app.state.runtime.webrtc.get_or_create(camera_id).health().state == "pending"
    page = await browser.new_page(viewport={"width": 1024, "height": 900})
    publishing = await sign_in_and_start(server, page, camera_id)
    source, received = publishing.source, publishing.received

    assert "127.0.0.1" in publishing.answer_sdp, "the answer offers no loopback candidate"
    assert "x-google-start-bitrate" in publishing.answer_sdp

    await wait_for(lambda: received.frames, 10, "the first video frame")
    first_at = received.frames[0][0]
    await wait_for(lambda: time.monotonic() > first_at + 3.6, 10, "3.6 s of video")

    # Video: the source rate, at the capture's resolution.
    window = [frame for at, frame in received.frames if first_at < at <= first_at + 3.0]
    assert len(window) >= 0.7 * FPS * 3.0, f"{len(window)} frames in 3 s, sent {FPS} fps"
    full = [at for at, frame in received.frames if (frame.width, frame.height) == (WIDTH, HEIGHT)]
    assert full, "no frame at full resolution"
    assert full[0] - first_at <= 3.0, (
        f"full resolution reached {full[0] - first_at:.1f} s after the first frame"
    )
    last = received.frames[-1][1]
    assert last.image.shape == (HEIGHT, WIDTH, 3)
    assert last.image.dtype == np.uint8
    assert [frame.index for _, frame in received.frames] == sorted({f.index for _, f in received.frames})
    t_video = [frame.t_s for _, frame in received.frames]
    assert all(b > a for a, b in itertools.pairwise(t_video))

    # Audio: 16 kHz mono float chunks on a contiguous clock, carrying sound.
    chunks = [chunk for _, chunk in received.chunks]
    assert len(chunks) >= 8, f"only {len(chunks)} audio chunks in ~4 s"
    assert {chunk.sample_rate for chunk in chunks} == {16_000}
    assert all(chunk.samples.dtype == np.float32 and chunk.samples.ndim == 1 for chunk in chunks)
    for a, b in itertools.pairwise(chunks):
        assert b.t_s > a.t_s
        assert b.t_s == pytest.approx(a.t_s + a.duration_s, abs=1e-6)
    assert max(float(np.abs(chunk.samples).max()) for chunk in chunks) > 0.01, "the audio is silent"
    # One clock: video and audio times agree with each other and with elapsed time.
    audio_end = chunks[-1].t_s + chunks[-1].duration_s
    assert abs(audio_end - t_video[-1]) < 1.0
    # (from the first frame after 1 s: the very first one may wait in the browser's encoder start-up, and
    # the frames behind it then arrive in a burst, so its arrival says nothing of the clock)
    settled = next(i for i, (at, _) in enumerate(received.frames) if at >= first_at + 1.0)
    elapsed = received.frames[-1][0] - received.frames[settled][0]
    assert t_video[-1] - t_video[settled] == pytest.approx(elapsed, abs=0.5)

    health = source.health()
    assert health.state == "streaming", health
    assert health.fps_in >= 0.7 * FPS
    assert health.last_frame_age_s is not None
    assert health.last_frame_age_s < 1.0
    assert "Publishing" in (await page.text_content(STATE) or "")
    await expect(page.locator(".publish-stats")).to_have_attribute("data-width", "640")
    await page.screenshot(path=save_screenshot_path("webrtc-publish-desktop.png"), full_page=True)

    await stop_and_expect_offline(page, publishing)
    await page.close()
    await server.app.state.runtime.webrtc.remove(camera_id)
    await asyncio.wait_for(publishing.task, 5)  # iteration ends once the source is closed


async def test_phone_sized_page_publishes(server: LiveServer, live_world: World, browser: Browser) -> None:
    camera_id = await add_webrtc_camera(live_world)
    context = await browser.new_context(
        viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = await context.new_page()
    publishing = await sign_in_and_start(server, page, camera_id)
    await wait_for(lambda: len(publishing.received.frames) >= 15, 10, "15 frames from the phone page")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375, "the page scrolls sideways"
    controls = {
        "camera": page.get_by_label("Vigil camera"),
        "lens": page.get_by_label("Lens"),
        "start": page.get_by_role("button", name="Start"),
        "stop": page.get_by_role("button", name="Stop"),
        "preview": page.locator("video.publish-preview"),
    }
    for name, locator in controls.items():
        box = await locator.bounding_box()
        assert box is not None
        assert 0 <= box["x"] <= box["x"] + box["width"] <= 375, name
    assert publishing.source.health().state == "streaming"
    await page.screenshot(path=save_screenshot_path("webrtc-publish-phone.png"), full_page=True)
    await stop_and_expect_offline(page, publishing)
    await context.close()
    await server.app.state.runtime.webrtc.remove(camera_id)
    await asyncio.wait_for(publishing.task, 5)


async def test_a_new_publisher_replaces_the_previous_one(
    server: LiveServer, live_world: World, browser: Browser
) -> None:
    camera_id = await add_webrtc_camera(live_world)
    first_page, second_page = await browser.new_page(), await browser.new_page()
    first = await sign_in_and_start(server, first_page, camera_id)
    await wait_for(lambda: first.received.frames, 10, "frames from the first publisher")
    first.task.cancel()

    second = await sign_in_and_start(server, second_page, camera_id)
    assert second.source is first.source
    await wait_for(lambda: len(second.received.frames) >= 10, 10, "frames from the second publisher")
    # The server closed the first peer's DTLS: its page says so at once and releases the camera.
    await expect(first_page.locator(STATE)).to_have_attribute("data-state", "ended", timeout=5_000)
    assert await first_page.evaluate("document.querySelector('video.publish-preview').srcObject === null")
    health = second.source.health()
    assert health.state == "streaming"
    assert health.reconnects == 1
    t_first = [frame.t_s for _, frame in first.received.frames]
    t_second = [frame.t_s for _, frame in second.received.frames]
    assert t_second[0] > t_first[-1], "the clock went back for the new publisher"

    await stop_and_expect_offline(second_page, second)
    for page in (first_page, second_page):
        await page.close()
    await server.app.state.runtime.webrtc.remove(camera_id)
    await asyncio.wait_for(second.task, 5)


# --- the offer route ---------------------------------------------------------------------------------


async def test_offer_refusals(server: LiveServer, live_world: World) -> None:
    world = live_world
    camera_id = await add_webrtc_camera(world, viewer=ShareRole.VIEWER, operator=ShareRole.OPERATOR)
    url = f"/api/v1/cameras/{camera_id}/webrtc/offer"
    garbage = {"sdp": "not an offer", "type": "offer"}

    response = await world.client.post(url, json=garbage, headers=world["owner"].headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "sdp"]
    assert "v=0" in response.json()["detail"][0]["msg"]

    no_video = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    response = await world.client.post(
        url, json={"sdp": no_video, "type": "offer"}, headers=world["owner"].headers
    )
    assert response.status_code == 422
    assert "no video" in response.json()["detail"][0]["msg"]

    broken = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
    response = await world.client.post(
        url, json={"sdp": broken, "type": "offer"}, headers=world["admin"].headers
    )
    assert response.status_code == 422
    assert "ICE" in response.json()["detail"][0]["msg"]

    sender = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    sender.addTransceiver("video", direction="sendonly")
    await sender.setLocalDescription(await sender.createOffer())
    unsupported = re.sub(r"(VP8|H264)/90000", "FOO/90000", sender.localDescription.sdp)
    await sender.close()
    response = await world.client.post(
        url, json={"sdp": unsupported, "type": "offer"}, headers=world["owner"].headers
    )
    assert response.status_code == 422
    assert "cannot be answered" in response.json()["detail"][0]["msg"]

    for body in ({"sdp": "v=0", "type": "answer"}, {"sdp": "v=0" + "x" * 20_000, "type": "offer"}, {}):
        response = await world.client.post(url, json=body, headers=world["owner"].headers)
        assert response.status_code == 422, body

    response = await world.client.post(
        f"/api/v1/cameras/{world.camera_id}/webrtc/offer", json=garbage, headers=world["owner"].headers
    )
    assert (response.status_code, response.json()) == (409, {"detail": "CAMERA_NOT_WEBRTC"})
    disabled = await world.client.patch(
        f"/api/v1/cameras/{camera_id}", json={"enabled": False}, headers=world["owner"].headers
    )
    assert disabled.status_code == 200
    response = await world.client.post(url, json=garbage, headers=world["owner"].headers)
    assert (response.status_code, response.json()) == (409, {"detail": "CAMERA_DISABLED"})
    await world.client.patch(
        f"/api/v1/cameras/{camera_id}", json={"enabled": True}, headers=world["owner"].headers
    )
    response = await world.client.post(url, json=garbage, headers=world["stranger"].headers)
    assert (response.status_code, response.json()) == (404, {"detail": "CAMERA_NOT_FOUND"})
    for name in ("viewer", "operator"):
        response = await world.client.post(url, json=garbage, headers=world[name].headers)
        assert response.status_code == 403, name
    response = await world.client.post(url, json=garbage)
    assert response.status_code == 401

    source = server.app.state.runtime.webrtc.get(camera_id)
    assert source is not None
    assert source.health().state == "pending"  # refused offers leave no publisher


async def test_publish_page_is_served_without_auth(server: LiveServer) -> None:
    """/publish is the dashboard's page (its guard asks for a login); its code signs in and sends offers."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.get("/publish")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        scripts = re.findall(r'<script[^>]+src="([^"]+)"', response.text)
        assert scripts, "the dashboard's index names no script"
        bundle = "".join([(await client.get(src)).text for src in scripts])
    assert "/auth/jwt/login" in bundle
    assert "/webrtc/offer" in bundle
    assert "/publish" not in server.app.openapi()["paths"]


# --- pure parts --------------------------------------------------------------------------------------

ANSWER = (
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=audio 5000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:111 opus/48000/2\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "m=video 5000 UDP/TLS/RTP/SAVPF 96 97 102\r\nc=IN IP4 127.0.0.1\r\nb=AS:500\r\n"
    "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"
)


def test_answer_asks_chrome_for_a_higher_start_bitrate() -> None:
    munged = raise_video_bitrate(ANSWER, start_kbps=2000, min_kbps=300, max_kbps=6000)
    lines = munged.split("\r\n")
    params = "x-google-start-bitrate=2000;x-google-min-bitrate=300;x-google-max-bitrate=6000"
    video = lines[lines.index("m=video 5000 UDP/TLS/RTP/SAVPF 96 97 102") :]
    assert video[1:4] == ["c=IN IP4 127.0.0.1", "b=AS:6000", "b=TIAS:6000000"]
    assert "b=AS:500" not in munged
    assert f"a=fmtp:96 {params}" in video
    assert f"a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;{params}" in video
    assert "a=fmtp:97 apt=96" in video  # retransmission is not a codec to configure
    assert "a=fmtp:111 minptime=10;useinbandfec=1" in lines  # audio untouched
    assert munged.endswith("\r\n")
    assert "\r\n\r\n" not in munged


def test_loopback_host_candidate_is_gathered() -> None:
    enable_loopback_candidates()
    enable_loopback_candidates()
    addresses = aioice.ice.get_host_addresses(True, False)
    assert addresses.count("127.0.0.1") == 1


def test_track_clock_unwraps_rtp_timestamps() -> None:
    clock = TrackClock(offset_s=2.0, pts=(1 << 32) - 9000, time_base=Fraction(1, 90_000))
    assert clock.t_s((1 << 32) - 9000) == 2.0
    assert clock.t_s(0) == pytest.approx(2.1)  # wrapped
    assert clock.t_s(9000) == pytest.approx(2.2)
    assert clock.t_s(4500) == pytest.approx(2.15)  # a late frame


def test_audio_chunks_are_contiguous_and_fill_small_holes() -> None:
    chunker = AudioChunker(camera_id=1, chunk_s=0.25)
    tone = np.full(320, 0.5, dtype=np.float32)  # 20 ms at 16 kHz
    chunks: list[AudioChunk] = []
    t = 10.0
    for i in range(30):
        if i == 15:
            t += 0.1  # 100 ms lost: filled with silence
        chunks += chunker.push(tone, t, 0.0)
        t += 0.02
    assert [len(c.samples) for c in chunks] == [4000, 4000]
    assert [c.t_s for c in chunks] == [10.0, 10.25]
    assert chunks[1].samples[0] == 0.5
    assert (chunks[1].samples == 0).sum() == 1600
    chunks = chunker.push(tone, t + 5.0, 0.0)  # a long hole ends the run
    assert len(chunks) == 1
    assert chunks[0].t_s == pytest.approx(10.5)
    (last,) = chunker.flush(0.0)
    assert last.t_s == pytest.approx(t + 5.0)
    assert len(last.samples) == 320


async def test_registry_closes_its_sources() -> None:
    registry = WebRtcRegistry()
    source = registry.get_or_create(7)
    assert registry.get_or_create(7) is source
    items: list[object] = []

    async def read() -> None:
        items.extend([item async for item in source])

    task = asyncio.create_task(read())
    await asyncio.sleep(0)
    await registry.close()
    await asyncio.wait_for(task, 2)
    assert items == []
    assert registry.get(7) is None
    assert source.health().state == "pending"


async def test_published_camera_is_analysed_like_any_camera(
    server: LiveServer, live_world: World, browser: Browser
) -> None:
    owner = live_world["owner"]
    created = await live_world.client.post(
        "/api/v1/cameras", json={"name": "phone", "kind": "webrtc", "url": ""}, headers=owner.headers
    )
    assert created.status_code == 201, created.text
    camera_id = created.json()["id"]
    health_url = f"/api/v1/cameras/{camera_id}/health"
    assert (await live_world.client.get(health_url, headers=owner.headers)).json()["state"] == "pending"
    page = await browser.new_page()
    await sign_in_and_start(server, page, camera_id, collect=False)
    deadline = time.monotonic() + 15
    health: dict[str, object] = {}
    while time.monotonic() < deadline:
        health = (await live_world.client.get(health_url, headers=owner.headers)).json()
        rates = float(health["fps_in"]), float(health["fps_analysed"])  # type: ignore[arg-type]
        if health["state"] == "streaming" and rates[0] >= 7 and rates[1] > 0:
            break
        await asyncio.sleep(0.25)
    assert health["state"] == "streaming", health
    assert float(health["fps_analysed"]) > 0, health  # type: ignore[arg-type]
    assert float(health["fps_in"]) >= 7, health  # type: ignore[arg-type]
    await page.get_by_role("button", name="Stop").click()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and health["state"] != "offline":
        health = (await live_world.client.get(health_url, headers=owner.headers)).json()
        await asyncio.sleep(0.25)
    assert health["state"] == "offline"
    await page.close()
    assert (
        await live_world.client.delete(f"/api/v1/cameras/{camera_id}", headers=owner.headers)
    ).status_code == 204
    assert server.app.state.runtime.webrtc.get(camera_id) is None
