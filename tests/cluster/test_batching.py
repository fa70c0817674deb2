"""The shared perception actors' batching (`vigil.cluster.batching`), without Ray: what arrives together runs
in one call, each job gets its own answer, and one bad job or one failed call does not stop the batcher."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from vigil.cluster.batching import Batcher

Job = tuple[str, int]  # (camera, value)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[Job]] = []

    def double(self, jobs: Sequence[Job]) -> list[int | BaseException]:
        self.calls.append(list(jobs))
        return [ValueError(f"bad {v}") if v < 0 else v * 2 for _, v in jobs]


def batcher(recorder: Recorder, window_s: float = 0.2, max_batch: int = 8) -> Batcher[Job, int]:
    return Batcher(recorder.double, window_s, max_batch, source_of=lambda job: job[0])


async def test_jobs_that_arrive_together_run_in_one_call_and_each_gets_its_own_answer() -> None:
    recorder = Recorder()
    jobs = batcher(recorder)
    answers = await asyncio.gather(*(jobs.submit((camera, n)) for n, camera in enumerate("abcab")))
    assert answers == [0, 2, 4, 6, 8]
    assert recorder.calls == [[("a", 0), ("b", 1), ("c", 2), ("a", 3), ("b", 4)]]
    assert jobs.stats.as_dict() == {
        "batches": {5: 1},
        "jobs_by_source": {"a": 2, "b": 2, "c": 1},
        "mixed_batches": 1,
    }
    await jobs.close()


async def test_a_batch_never_holds_more_than_its_most() -> None:
    recorder = Recorder()
    jobs = batcher(recorder, max_batch=3)
    answers = await asyncio.gather(*(jobs.submit(("a", n)) for n in range(7)))
    assert answers == [2 * n for n in range(7)]
    assert [len(call) for call in recorder.calls] == [3, 3, 1]
    await jobs.close()


async def test_with_no_window_a_lone_job_runs_at_once() -> None:
    recorder = Recorder()
    jobs = batcher(recorder, window_s=0.0)
    assert await jobs.submit(("a", 1)) == 2
    assert await jobs.submit(("b", 2)) == 4
    assert recorder.calls == [[("a", 1)], [("b", 2)]]
    assert jobs.stats.mixed_batches == 0
    await jobs.close()


async def test_a_bad_job_fails_alone() -> None:
    recorder = Recorder()
    jobs = batcher(recorder)
    good, bad = await asyncio.gather(jobs.submit(("a", 1)), jobs.submit(("b", -1)), return_exceptions=True)
    assert good == 2
    assert isinstance(bad, ValueError)
    assert str(bad) == "bad -1"
    await jobs.close()


async def test_a_failed_call_fails_its_jobs_and_the_next_batch_runs() -> None:
    calls = 0

    def broken_once(batch: Sequence[Job]) -> list[int | BaseException]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the model runtime failed")
        return [v for _, v in batch]

    with ThreadPoolExecutor(1) as models:
        jobs: Batcher[Job, int] = Batcher(broken_once, 0.05, 8, executor=models)
        first = await asyncio.gather(jobs.submit(("a", 1)), jobs.submit(("b", 2)), return_exceptions=True)
        assert all(isinstance(e, RuntimeError) for e in first)
        assert await jobs.submit(("a", 3)) == 3
        await jobs.close()


def test_a_batch_needs_room_for_one_job() -> None:
    with pytest.raises(ValueError, match="at least one job"):
        Batcher(Recorder().double, 0.1, 0)
