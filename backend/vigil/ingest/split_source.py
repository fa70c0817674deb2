"""An RTSP camera read as two streams, as Frigate's "record" and "detect" roles: a low-resolution substream
is decoded for analysis (and the live view and snapshots), while the main stream's packets, never
decoded, make the clips, and its sound is heard. Decoding a 640×360 substream instead of a 1080p main
stream is most of what a camera costs before the models; the models see the same input size either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

from vigil.domain import EncodedPacket
from vigil.ingest.av_source import AvSource, AvSourceConfig
from vigil.ingest.base import SourceItem
from vigil.ingest.health import SourceHealth, SourceState

# Which of the two streams' states a camera shows: the first of these either stream is in.
STATE_ORDER: tuple[SourceState, ...] = (
    "error",
    "offline",
    "reconnecting",
    "connecting",
    "ended",
    "streaming",
)
STATE_RANK = {state: rank for rank, state in enumerate(STATE_ORDER)}
MERGE_QUEUE = 64  # items between the two readers and the pipeline (each reader drops frames, not queues them)


def worse_state(a: SourceState, b: SourceState) -> SourceState:
    return a if STATE_RANK.get(a, len(STATE_ORDER)) <= STATE_RANK.get(b, len(STATE_ORDER)) else b


def combined_health(main: SourceHealth, detect: SourceHealth) -> SourceHealth:
    """One camera's health from its two streams: the frames' figures are the detect stream's; the state is
    the worse of the two, its error named by the stream it comes from."""
    state = worse_state(main.state, detect.state)
    if state == detect.state and detect.state != "streaming":
        error = None if detect.last_error is None else f"detect stream: {detect.last_error}"
    elif main.state != "streaming":
        error = None if main.last_error is None else f"main stream: {main.last_error}"
    else:
        error = None
    return SourceHealth(
        state=state,
        fps_in=detect.fps_in,
        frames_dropped=detect.frames_dropped,
        last_frame_age_s=detect.last_frame_age_s,
        reconnects=main.reconnects + detect.reconnects,
        last_error=error,
    )


class SplitSource:
    """A `Source` over two `AvSource`s of one camera on one clock: frames from `detect`, sound and the
    clips' packets from `main`. Each stream reconnects on its own."""

    def __init__(
        self,
        camera_id: int,
        main: AvSourceConfig,
        detect: AvSourceConfig,
        packet_sink: Callable[[EncodedPacket], None] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.camera_id = camera_id
        epoch = clock()
        self.main = AvSource(
            camera_id, replace(main, decode_video=False, timeline_epoch=epoch), packet_sink, clock
        )
        self.detect = AvSource(
            camera_id, replace(detect, read_audio=False, timeline_epoch=epoch), None, clock
        )

    @property
    def frames_decoded(self) -> int:
        return self.detect.frames_decoded

    def health(self) -> SourceHealth:
        return combined_health(self.main.health(), self.detect.health())

    async def __aiter__(self) -> AsyncIterator[SourceItem]:
        """Both streams' items as they come; ends when either stream's reading ends (on `close`, or a
        refused URL, which the health then shows)."""
        queue: asyncio.Queue[SourceItem | None] = asyncio.Queue(MERGE_QUEUE)

        async def pump(source: AvSource) -> None:
            async for item in source:
                await queue.put(item)
            await queue.put(None)  # this stream's reading ended (not when cancelled: then nobody waits)

        pumps = [
            asyncio.create_task(pump(source), name=f"camera-{self.camera_id}-stream")
            for source in (self.main, self.detect)
        ]
        try:
            while (item := await queue.get()) is not None:
                yield item
        finally:
            for task in pumps:
                task.cancel()
            for task in pumps:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def close(self) -> None:
        await asyncio.gather(self.main.close(), self.detect.close())
