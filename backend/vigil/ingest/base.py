"""The `Source` protocol every ingest kind implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from vigil.domain import AudioChunk, EncodedPacket, Frame
from vigil.ingest.health import SourceHealth

SourceItem = Frame | AudioChunk | EncodedPacket


@runtime_checkable
class Source(Protocol):
    """Frames (RGB), audio chunks (16 kHz mono) and encoded packets of one camera, on one clock.

    Iterating never raises for a dead camera: the source reconnects by itself and reports it in `health()`.
    Iteration ends only after `close()`.
    """

    camera_id: int

    def __aiter__(self) -> AsyncIterator[SourceItem]: ...

    def health(self) -> SourceHealth: ...

    async def close(self) -> None: ...
