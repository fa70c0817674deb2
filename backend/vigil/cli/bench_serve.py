"""`python -m vigil.cli.bench_serve VIDEO` (in `make bench`): cameras on a real `vigil serve`, and whether its
API stays responsive while they are analysed.

One `vigil serve` child process (SQLite, every default model unless told otherwise, `VIGIL_DEVICE` as
given), N file cameras of VIDEO at 5 analysed fps added through the API. After a warm-up, for `--seconds`:
`GET /api/v1/health` every 100 ms (its latency, median and p95), and each camera's analysed frames counted
from its health every second. One row per camera count and device. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from vigil.cli.bench import machine, table
from vigil.cli.bench_levers import openvino_installed
from vigil.cli.bench_processes import api_node, load, percentiles, sign_in_first_admin

ANALYSIS_FPS = 5.0
HEALTH_EVERY_S = 0.1
WARM_UP_S = 20.0


async def _camera_fps(client: httpx.AsyncClient, camera_ids: list[int], seconds: float) -> list[float]:
    """Each camera's analysed fps over `seconds`: its health's rate sampled every second, averaged."""
    samples: dict[int, list[float]] = {camera_id: [] for camera_id in camera_ids}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for camera_id in camera_ids:
            state = (await client.get(f"/api/v1/cameras/{camera_id}/health")).json()
            samples[camera_id].append(float(state.get("fps_analysed") or 0.0))
        await asyncio.sleep(1.0)
    return [statistics.fmean(values) if values else 0.0 for values in samples.values()]


async def _health_latency(url: str, seconds: float) -> list[float]:
    """Milliseconds of each `GET /api/v1/health`, one every 100 ms, on a connection of its own."""
    times: list[float] = []
    async with httpx.AsyncClient(base_url=url, timeout=10) as probe:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            start = time.perf_counter()
            (await probe.get("/api/v1/health")).raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(HEALTH_EVERY_S)
    return times


async def _with_cameras(
    url: str, video: Path, cameras: int, seconds: float
) -> tuple[list[float], list[float]]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        await sign_in_first_admin(client)
        camera_ids = []
        for index in range(cameras):
            made = await client.post(
                "/api/v1/cameras",
                json={
                    "name": f"Plaza {index + 1}",
                    "kind": "file",
                    "url": str(video),
                    "analysis_fps": ANALYSIS_FPS,
                },
            )
            made.raise_for_status()
            camera_ids.append(int(made.json()["id"]))
        await asyncio.sleep(WARM_UP_S)
        fps, latency = await asyncio.gather(
            _camera_fps(client, camera_ids, seconds), _health_latency(url, seconds)
        )
    return fps, latency


def run_once(
    video: Path, cameras: int, seconds: float, device: str, extra: dict[str, str] | None = None
) -> list[object]:
    with tempfile.TemporaryDirectory(prefix="vigil-serve-bench-") as folder:
        env = {
            "VIGIL_SECRET_KEY": "bench-" + secrets.token_hex(24),
            "VIGIL_FILE_ROOTS": str(video.parent),
            "VIGIL_DEVICE": device,
            "VIGIL_SPEECH_ENABLED": "false",
        } | (extra or {})
        with api_node(Path(folder), env) as url:
            fps, latency = asyncio.run(_with_cameras(url, video, cameras, seconds))
    median, p95 = percentiles(latency)
    return [
        cameras,
        device,
        f"{statistics.median(fps):.2f}",
        f"{min(fps):.2f}",
        f"{sum(fps):.1f}",
        f"{median:.1f} ms",
        f"{p95:.1f} ms",
        load(),
    ]


def server_setting(text: str) -> tuple[str, str]:
    """`VIGIL_X=VALUE` → (name, value); anything else is refused with the form it needs."""
    key, equals, value = text.partition("=")
    if not key.startswith("VIGIL_") or not equals:
        raise argparse.ArgumentTypeError(f"{text!r}: give a server setting as VIGIL_NAME=VALUE")
    return key, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("video", type=Path)
    parser.add_argument("--cameras", type=int, nargs="+", default=[1, 8])
    parser.add_argument(
        "--devices", nargs="+", default=["cpu", *(["openvino"] if openvino_installed() else [])]
    )
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--env", action="append", default=[], metavar="VIGIL_X=VALUE", type=server_setting,
        help="a setting for the server (repeatable), e.g. VIGIL_ANALYSIS_WORKERS=2 or VIGIL_POSE_MODEL=...",
    )  # fmt: skip
    args = parser.parse_args()
    extra = dict(args.env)
    if not args.video.is_file():
        raise SystemExit(f"{args.video}: no such video")
    rows = [
        run_once(args.video.resolve(), cameras, args.seconds, device, extra)
        for device in args.devices
        for cameras in args.cameras
    ]
    print(
        table(
            f"Cameras on a real `vigil serve` and its API's health latency ({machine()}; "
            f"{args.seconds:g} s after a {WARM_UP_S:g} s warm-up; every default model but speech"
            + "".join(f"; {key}={value}" for key, value in extra.items())
            + ")",
            [
                "cameras",
                "device",
                "fps analysed, median camera (of 5)",
                "slowest camera",
                "analysed frames / s in all",
                "health median",
                "health p95",
                "load at the end",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
