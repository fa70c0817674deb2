"""The loop-latency check: while a heavy request runs, `/api/v1/health` keeps answering promptly.

Every camera's live frames go through the same event loop as `/health`; a request that holds the loop
(parsing on it, reading a huge body) shows as a health answer that waits for it. The bound is the issue's
(100 ms), checked on a real uvicorn server. A shared CI machine can stall any process for longer now and
then, so a run with an outlier is measured again (up to 3 runs); a request that holds the loop fails all.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import httpx

T = TypeVar("T")

HEALTH_BOUND_S = 0.1
MIN_PROBES = 3
ATTEMPTS = 3


@dataclass
class Probed(Generic[T]):
    result: T
    heavy_s: float
    health_s: list[float]  # each health request sent while the heavy one ran


async def health_while(client: httpx.AsyncClient, heavy: Awaitable[T]) -> Probed[T]:
    """Run `heavy`, asking for /health back to back meanwhile: one health request is always in flight, so
    whatever holds the loop (this test's server shares it) lands inside one of them."""
    start = time.perf_counter()
    task = asyncio.ensure_future(heavy)
    latencies: list[float] = []
    while not task.done():
        sent = time.perf_counter()
        answer = await client.get("/api/v1/health")
        assert answer.status_code == 200, answer.text
        latencies.append(time.perf_counter() - sent)
    return Probed(await task, time.perf_counter() - start, latencies)


async def assert_health_prompt_while(
    client: httpx.AsyncClient, heavy: Callable[[], Awaitable[T]], min_probes: int = MIN_PROBES
) -> T:
    """`heavy()` runs while /health answers each time within the bound; what `heavy()` returned.

    The client shares the server's loop, so `heavy` must not hold it either: send big bodies in parts
    (one 42 MB write by httpx copies for about a fifth of a second)."""
    await health_while(client, heavy())  # warm up: the first request beside another opens a connection
    runs = []
    for _ in range(ATTEMPTS):
        # The test process has by now built up the whole suite's objects (models, servers, fixtures): a
        # full garbage collection of that heap pauses every thread for ~0.1 s. It is the test process's
        # pause, not the request's: collect and freeze what exists before measuring, unfreeze after.
        gc.collect()
        gc.freeze()
        try:
            probed = await health_while(client, heavy())
        finally:
            gc.unfreeze()
        runs.append(f"{probed.heavy_s:.2f} s, health {[round(s * 1000) for s in probed.health_s]} ms")
        if len(probed.health_s) >= min_probes and max(probed.health_s) < HEALTH_BOUND_S:
            return probed.result
    raise AssertionError("health waited (or too few probes) in every run:\n" + "\n".join(runs))
