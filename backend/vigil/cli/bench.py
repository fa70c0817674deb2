"""`vigil bench`: decode speed, pipeline cost and how many cameras one machine holds. Prints tables."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import statistics
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from vigil.camera.profile import CameraProfile, CameraSpec
from vigil.camera.supervisor import PipelineSupervisor
from vigil.camera.unit import UnitParts
from vigil.domain import Frame, Observation, SourceKind
from vigil.ingest.av_source import AvSource, AvSourceConfig
from vigil.ingest.health import HealthRegistry
from vigil.ingest.webrtc import WebRtcRegistry
from vigil.perception.worker import PerceptionConfig, analyse_audio, analyse_frame, init_worker
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def table(title: str, header: list[str], rows: list[list[object]]) -> str:
    cells = [header, *[[f"{c:.2f}" if isinstance(c, float) else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        f"\n## {title}",
        "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
    ]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells[1:]
    ]
    return "\n".join(lines)


def resized_copy(video: Path, size: tuple[int, int], seconds: float, target: Path) -> Path:
    """`video`'s first `seconds` of picture at `size` (width, height), H.264 without sound: the kind of
    stream a camera's second profile sends."""
    with av.open(str(video)) as source, av.open(str(target), "w") as out:
        video_in = source.streams.video[0]
        rate = int(video_in.average_rate or 10)
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "g": str(rate)}
        for index, frame in enumerate(source.decode(video_in)):
            if index >= seconds * rate:
                break
            resized = frame.reformat(width=size[0], height=size[1], format="yuv420p")
            resized.pts, resized.time_base = index, Fraction(1, rate)
            out.mux(stream.encode(resized))
        out.mux(stream.encode(None))
    return target


async def decode_speed(
    video: Path, convert_fps: float, decode_video: bool = True
) -> tuple[int, int, float, float]:
    """(frames decoded, frames converted to RGB, wall s, CPU s) for one pass of the file, unpaced."""
    config = AvSourceConfig(
        SourceKind.FILE,
        str(video),
        loop=False,
        realtime=False,
        max_convert_fps=convert_fps,
        decode_video=decode_video,
    )
    source = AvSource(0, config)
    wall, cpu = time.perf_counter(), time.process_time()
    frames = 0
    async for item in source:
        frames += isinstance(item, Frame)
    return source.frames_decoded, frames, time.perf_counter() - wall, time.process_time() - cpu


@dataclass
class CapacityRun:
    cameras: int
    fps_in: float
    fps_analysed: float
    dropped: int
    worst_frame_age_s: float
    analysis_ms_median: float


def no_models() -> None:
    """Initializer of the pipeline-only runs."""


def pass_through(
    camera_id: int, t_s: float, wall: float, motion: float, image: NDArray[np.uint8]
) -> Observation:
    """An analyser that returns at once: measures the pipeline without models."""
    return Observation(camera_id, t_s, wall, motion)


def make_pool(workers: int, config: PerceptionConfig | None) -> AnalysisPool:
    if config is not None:
        hears = analyse_audio if config.sound is not None else None
        return AnalysisPool(workers, init_worker, analyse_frame, initargs=(config,), analyse_audio=hears)
    return AnalysisPool(workers, no_models, pass_through)


async def capacity(
    video: Path, cameras: int, seconds: float, workers: int, config: PerceptionConfig | None
) -> CapacityRun:
    latencies: list[float] = []
    analysed: dict[int, int] = {}
    every_camera_analysed = asyncio.Event()

    async def on_observation(observation: Observation) -> None:
        if observation.modality != "video":  # the cameras' sound windows reach the pool too: not frames
            return
        latencies.append((time.time() - observation.wall_time_s) * 1000)
        analysed[observation.camera_id] = analysed.get(observation.camera_id, 0) + 1
        if len(analysed) == cameras:
            every_camera_analysed.set()

    parts = UnitParts(make_pool(workers, config), PipelineMetrics(), WebRtcRegistry(), on_observation)
    supervisor = PipelineSupervisor(parts, HealthRegistry())
    specs = [CameraSpec(i + 1, SourceKind.FILE, str(video), 5.0, True) for i in range(cameras)]
    await supervisor.start([CameraProfile(spec) for spec in specs])
    await asyncio.sleep(3)  # workers start, streams settle
    # then until every camera had a frame analysed (the workers have loaded their models), at most 30 s
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(every_camera_analysed.wait(), 30.0)
    latencies.clear()
    analysed.clear()
    started = time.monotonic()
    dropped_before = {s.id: supervisor.health.get(s.id, True).frames_dropped for s in specs}
    ages: list[float] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await asyncio.sleep(0.5)
        supervisor.publish_health()
        ages += [supervisor.health.get(s.id, True).last_frame_age_s or 0.0 for s in specs]
    supervisor.publish_health()
    measured_s = time.monotonic() - started
    healths = [supervisor.health.get(s.id, True) for s in specs]
    await supervisor.close()
    return CapacityRun(
        cameras=cameras,
        fps_in=statistics.mean(h.fps_in for h in healths),
        # observations counted over the whole run: health's rate is over its last 3 s only, and reads 0
        # for a camera analysed less than once a second
        fps_analysed=sum(analysed.values()) / cameras / measured_s,
        dropped=sum(h.frames_dropped - dropped_before[s.id] for h, s in zip(healths, specs, strict=True)),
        worst_frame_age_s=max(ages) if ages else 0.0,
        analysis_ms_median=statistics.median(latencies) if latencies else 0.0,
    )


def models_tables(video: Path, config: PerceptionConfig) -> list[str]:
    from vigil.cli.bench_models import measure

    timings, whole = measure(video, config)
    return [
        table(
            "Each model, one thread (median over the scenario's frames, people and seconds of sound)",
            ["model", "one call handles", "calls", "ms per call", "calls / s per core"],
            [[t.model, t.per, t.calls, t.median_ms, t.calls_per_core_s] for t in timings],
        ),
        table(
            "What one camera costs (analysis at 5 fps)",
            ["work", "ms", "cores per camera"],
            whole,
        ),
    ]


def levers_table(video: Path, config: PerceptionConfig, workers: int) -> str:
    from vigil.cli.bench_levers import EYE_HEADER, HEADER, eye_counts, rows

    lever_rows, frames = rows(video, config, workers)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    out = table(
        f"Speed levers ({frames} consecutive frames at 5 fps, interleaved; medians; load average {load})",
        HEADER,
        lever_rows,
    )
    vtest = video.parents[1] / "video" / "vtest.avi"
    if vtest.is_file():
        out += "\n" + table(
            "People found vs counted by eye on vtest: whole frame, motion regions, int8 NanoDet, OpenVINO",
            EYE_HEADER,
            eye_counts(vtest, config, calibration=video),
        )
    return out


SUBSTREAM_SECONDS = 20.0


async def substream_table(video: Path) -> str:
    """What a camera costs to read with and without a detect substream (`SplitSource`): a 1080p main
    stream decoded at the camera's 10 RGB frames a second, against the main stream only demuxed (its
    packets make the clips) plus a 640×360 substream decoded."""
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="vigil-bench-") as folder:
        main = resized_copy(video, (1920, 1080), SUBSTREAM_SECONDS, Path(folder) / "main.mp4")
        detect = resized_copy(video, (640, 360), SUBSTREAM_SECONDS, Path(folder) / "detect.mp4")
        costs = {}
        for label, path, decode in (
            ("main 1920×1080, decoded (no substream)", main, True),
            ("main 1920×1080, packets only", main, False),
            ("substream 640×360, decoded", detect, True),
        ):
            _decoded, _converted, _wall, cpu = await decode_speed(path, 10.0, decode)
            costs[label] = cpu / SUBSTREAM_SECONDS
            rows.append([label, f"{100 * costs[label]:.1f} %"])
        split = costs["main 1920×1080, packets only"] + costs["substream 640×360, decoded"]
        whole = costs["main 1920×1080, decoded (no substream)"]
        rows.append(
            ["with a substream: packets + substream", f"{100 * split:.1f} % ({whole / split:.1f}× less)"]
        )
    return table(
        f"Reading one camera with and without a detect substream (share of a core; {video.name}'s first "
        f"{SUBSTREAM_SECONDS:.0f} s re-encoded, 10 RGB frames a second)",
        ["stream", "CPU per second of video"],
        rows,
    )


async def run(
    video: Path, max_cameras: int, seconds: float, workers: int, config: PerceptionConfig | None
) -> str:
    out = [
        f"# Vigil benchmark — {machine()}",
        f"video: {video.name}; analysis 5 fps; pool workers: {workers}",
    ]
    if config is not None:
        out += models_tables(video, config)
        out.append(levers_table(video, config, workers))
    rows = []
    for label, convert_fps in (
        ("decode, RGB of 1 frame a second", 1.0),
        ("decode + RGB of every frame", 1000.0),
    ):
        decoded, converted, wall, cpu = await decode_speed(video, convert_fps)
        rows.append([label, decoded, converted, wall, decoded / wall, decoded / max(cpu, 1e-6)])
    out.append(
        table(
            "Decode (one pass, as fast as possible)",
            ["what", "decoded", "to RGB", "wall s", "decoded / s", "decoded / CPU-s"],
            rows,
        )
    )
    out.append(await substream_table(video))

    runs = []
    cameras = 1
    while cameras <= max_cameras:
        result = await capacity(video, cameras, seconds, workers, config)
        runs.append(result)
        if result.dropped or result.fps_in < 9.5:
            break
        cameras *= 2
    out.append(
        table(
            f"Real-time cameras of the scenario ({seconds:.0f} s each, stops at the first drop)",
            [
                "cameras",
                "fps in / camera",
                "fps analysed / camera",
                "frames dropped",
                "worst frame age s",
                "frame → observation ms (median)",
            ],
            [
                [r.cameras, r.fps_in, r.fps_analysed, r.dropped, r.worst_frame_age_s, r.analysis_ms_median]
                for r in runs
            ],
        )
    )
    held = [r.cameras for r in runs if not r.dropped and r.fps_in >= 9.5]
    out.append(f"\nHeld without a drop: {max(held) if held else 0} camera(s) at full rate.")
    return "\n".join(out)


def main(
    video: Path,
    max_cameras: int = 16,
    seconds: float = 15.0,
    workers: int = 0,
    config: PerceptionConfig | None = None,
) -> None:
    """`config` None: the pipeline alone, without models."""
    workers = workers or max(1, (os.cpu_count() or 2) - 1)
    video = video.resolve()  # a file camera opens only an absolute path
    print(asyncio.run(run(video, max_cameras, seconds, workers, config)))
