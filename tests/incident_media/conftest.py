"""The plaza scenario read by `AvSource` into pre-roll rings once per test session."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.media import plaza, shared_media_dir
from vigil.domain import AudioChunk, EncodedPacket, Frame, SourceKind, StreamInfo
from vigil.ingest.av_source import AvSource, AvSourceConfig
from vigil.pipeline.ring import TimeRing

READ_UNTIL_S = 34.0  # past the scream (25-27 s) and a 5 s post-roll


@dataclass(frozen=True)
class Recorded:
    packets: list[EncodedPacket]
    stream_info: dict[str, StreamInfo]
    frames: list[Frame]
    chunks: list[AudioChunk]


async def record(config: AvSourceConfig, until_s: float, ring_s: float = 40.0) -> Recorded:
    """Run a camera like its pipeline does (packets into a `TimeRing`) until a frame at `until_s`."""
    ring: TimeRing[EncodedPacket] = TimeRing(ring_s, lambda p: p.t_s, max_items=20_000)
    source = AvSource(1, config, packet_sink=ring.append)
    frames: list[Frame] = []
    chunks: list[AudioChunk] = []
    async for item in source:
        if isinstance(item, Frame):
            frames.append(item)
            if item.t_s >= until_s:
                break
        elif isinstance(item, AudioChunk):
            chunks.append(item)
    await source.close()
    return Recorded(ring.snapshot(), source.stream_info, frames, chunks)


def file_camera(path: Path) -> AvSourceConfig:
    return AvSourceConfig(SourceKind.FILE, str(path), loop=False, realtime=False)


@pytest.fixture(scope="session")
def plaza_recording() -> Recorded:
    return asyncio.run(record(file_camera(plaza()), READ_UNTIL_S))


@pytest.fixture(scope="session")
def scream() -> tuple[float, float]:
    truth = json.loads((shared_media_dir() / "scenarios" / "plaza_incident.json").read_text())
    event = next(e for e in truth["audio_events"] if e["label"] == "scream")
    return float(event["t_start"]), float(event["t_end"])
