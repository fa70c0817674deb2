"""Gathering the jobs that arrive together into one call: the batching of a shared perception actor.

`Batcher.submit` queues a job and waits for its result. One loop takes the first job waiting, then every
job that arrives within `window_s` of it, up to `max_batch`, and hands them to `run_batch` in one call, in
`executor` (the thread that holds the models). Jobs that arrive while a batch runs wait for the next one,
so a busy batcher makes bigger batches. `run_batch` answers one result or one exception per job, in
order: a job that fails fails alone. Pure asyncio, no Ray.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

J = TypeVar("J")
R = TypeVar("R")

RunBatch = Callable[[Sequence[J]], Sequence[R | BaseException]]


@dataclass
class BatchStats:
    """What the batcher did: batches by size, jobs by source (a camera), and batches mixing sources."""

    batches: Counter[int] = field(default_factory=Counter)
    jobs_by_source: Counter[Hashable] = field(default_factory=Counter)
    mixed_batches: int = 0

    @property
    def jobs(self) -> int:
        return sum(size * count for size, count in self.batches.items())

    def as_dict(self) -> dict[str, object]:
        return {
            "batches": dict(sorted(self.batches.items())),
            "jobs_by_source": {str(source): n for source, n in self.jobs_by_source.items()},
            "mixed_batches": self.mixed_batches,
        }


class Batcher(Generic[J, R]):
    def __init__(
        self,
        run_batch: RunBatch[J, R],
        window_s: float,
        max_batch: int,
        executor: Executor | None = None,
        source_of: Callable[[J], Hashable] = lambda _job: None,
    ) -> None:
        if max_batch < 1 or window_s < 0:
            raise ValueError("a batch holds at least one job and waits a window of zero or more seconds")
        self._run_batch = run_batch
        self._window_s = window_s
        self._max_batch = max_batch
        self._executor = executor
        self._source_of = source_of
        self._waiting: asyncio.Queue[tuple[J, asyncio.Future[R]]] = asyncio.Queue()
        self._loop_task: asyncio.Task[None] | None = None
        self.stats = BatchStats()

    async def submit(self, job: J) -> R:
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._gather_and_run())
        result: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        await self._waiting.put((job, result))
        return await result

    async def _next_batch(self) -> list[tuple[J, asyncio.Future[R]]]:
        batch = [await self._waiting.get()]
        deadline = asyncio.get_running_loop().time() + self._window_s
        while len(batch) < self._max_batch:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 and self._waiting.empty():
                break
            try:
                batch.append(await asyncio.wait_for(self._waiting.get(), max(left, 0)))
            except TimeoutError:
                break
        return batch

    async def _gather_and_run(self) -> None:
        while True:
            batch = await self._next_batch()
            jobs = [job for job, _ in batch]
            try:
                loop = asyncio.get_running_loop()
                results: Sequence[R | BaseException] = await loop.run_in_executor(
                    self._executor, self._run_batch, jobs
                )
                if len(results) != len(jobs):
                    raise RuntimeError(f"a batch of {len(jobs)} jobs answered {len(results)} results")
            except Exception as error:  # the whole call failed: every job of it fails with it
                results = [error] * len(jobs)
            self._count(jobs)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # its caller gave up waiting
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def _count(self, jobs: Sequence[J]) -> None:
        sources = [self._source_of(job) for job in jobs]
        self.stats.batches[len(jobs)] += 1
        self.stats.jobs_by_source.update(sources)
        if len(set(sources)) > 1:
            self.stats.mixed_batches += 1

    async def close(self) -> None:
        task, self._loop_task = self._loop_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
