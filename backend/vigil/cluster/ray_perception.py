"""Shared perception in cluster mode (`VIGIL_RAY_PERCEPTION_ACTORS` > 0): model actors that serve the frames
and sound of many cameras, batching the jobs that arrive together.

By default each camera's actor runs its own models (`ray_unit.InActorAnalysis`). With shared perception,
N named, detached `PerceptionActor`s (`vigil-perception-<i>`) hold the models instead, each on a node with
`VIGIL_RAY_PERCEPTION_CPUS` CPUs and `VIGIL_RAY_PERCEPTION_GPUS` GPUs free, so a GPU node serves the
cameras of many CPU nodes. A camera always goes to the same one (its id modulo N), which keeps its
per-camera model state (the pose schedule) in one place. Frames cross Ray's object store (zero-copy on
the same node); each actor gathers the jobs that arrive within `VIGIL_RAY_BATCH_WINDOW_MS`, up to
`VIGIL_RAY_BATCH_MAX`, into one call to its model thread (`batching.Batcher`).

A perception actor that dies is restarted by Ray; the frames in flight are dropped (never queued), the
cameras' health says analysis is paused, and the next frames go to its next life.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from vigil.api.pipelines import perception_config
from vigil.cluster import ray_env
from vigil.cluster.batching import Batcher
from vigil.domain import Observation
from vigil.perception.worker import analyse_audio, analyse_frame, init_worker, transcribe_speech
from vigil.pipeline.pool import AnalysisPool, Phase, SlotKey, phase_of
from vigil.settings import Settings

log = logging.getLogger(__name__)

ACTOR_PREFIX = "vigil-perception-"
CALL_TIMEOUT_S = 30.0  # a frame waits at most this for its answer; a stuck actor costs frames, not the camera
RESTART_PAUSE_S = 1.0  # after a failed call, no frame is sent for this long (the actor is restarting)
WORK: dict[Phase, Callable[..., Observation]] = {
    "frames": analyse_frame,
    "audio": analyse_audio,
    "speech": transcribe_speech,
}


@dataclass(frozen=True)
class PerceptionJob:
    """One frame, sound window or speech clip of a camera: the work's kind and the worker function's args."""

    phase: Phase
    camera_id: int
    args: tuple[Any, ...]


def run_jobs(jobs: Sequence[PerceptionJob]) -> list[Observation | BaseException]:
    """In the model thread: each job in turn (both ONNX models take one image a call), failing alone."""
    results: list[Observation | BaseException] = []
    for job in jobs:
        try:
            results.append(WORK[job.phase](*job.args))
        except Exception as error:
            results.append(error)
    return results


def actor_name(index: int) -> str:
    return f"{ACTOR_PREFIX}{index}"


class PerceptionActor:
    """The Ray actor (made remote by `perception_actor`): the models in one thread, loaded at start."""

    def __init__(self, settings: Settings) -> None:
        logging.basicConfig(level=settings.log_level.upper())
        self._started_at = time.time()
        perception = perception_config(settings)
        self._models = ThreadPoolExecutor(1, "perception", initializer=init_worker, initargs=(perception,))
        self._models.submit(int)  # load the models now rather than on the first frame
        self._batcher: Batcher[PerceptionJob, Observation] = Batcher(
            run_jobs,
            settings.ray_batch_window_ms / 1000,
            settings.ray_batch_max,
            executor=self._models,
            source_of=lambda job: job.camera_id,
        )

    async def analyse(self, job: PerceptionJob) -> Observation:
        return await self._batcher.submit(job)

    def stats(self) -> dict[str, object]:
        """Batches by size, jobs by camera and batches mixing cameras, since this life started (when)."""
        return {"started_at": self._started_at, **self._batcher.stats.as_dict()}

    def node_id(self) -> str:
        import ray

        return str(ray.get_runtime_context().get_node_id())


def perception_actor(settings: Settings, index: int) -> Any:
    """The handle of shared perception actor `index`, made on first use by whichever camera asks first."""
    import ray

    return (
        ray.remote(PerceptionActor)
        .options(
            name=actor_name(index),
            namespace=ray_env.NAMESPACE,
            lifetime="detached",
            get_if_exists=True,
            max_restarts=-1,
            max_task_retries=0,  # a frame that failed is dropped, never sent twice
            num_cpus=settings.ray_perception_cpus,
            num_gpus=settings.ray_perception_gpus,
            runtime_env=ray_env.runtime_env(),
        )
        .remote(settings)
    )


class RemoteAnalysis(AnalysisPool):
    """A camera actor's perception through the shared perception actors: the pool's slots (one job in
    flight per camera and kind of work), the work done by `perception_actor(camera_id % N)`."""

    def __init__(self, settings: Settings, actor_of: Callable[[int], Any] | None = None) -> None:
        perception = perception_config(settings)
        super().__init__(
            settings.ray_perception_actors,
            init_worker,
            analyse_frame,
            analyse_audio=analyse_audio if perception.sound is not None else None,
            transcribe=transcribe_speech if perception.speech is not None else None,
            shared_memory=False,
        )
        self._actor_of = actor_of or (lambda index: perception_actor(settings, index))
        self._handles: dict[int, Any] = {}
        self._paused_until = 0.0
        self._why_paused = ""

    @property
    def restarting(self) -> bool:
        return time.monotonic() < self._paused_until

    @property
    def problem(self) -> str | None:
        return f"analysis paused: {self._why_paused}" if self.restarting else None

    def _handle(self, index: int) -> Any:
        if index not in self._handles:
            self._handles[index] = self._actor_of(index)
        return self._handles[index]

    async def _run(
        self, slot: SlotKey, work: Callable[..., Observation], args: tuple[Any, ...]
    ) -> Observation:
        if slot not in self._in_flight:
            raise RuntimeError(f"{slot}: analysis without try_acquire")
        camera_id = int(args[0])
        index = camera_id % self.workers
        try:
            handle: Any = self._handles.get(index)
            if handle is None:  # Ray's lookup (or the actor's creation) blocks: not on the event loop
                handle = await asyncio.to_thread(self._handle, index)
            job = PerceptionJob(phase_of(slot), camera_id, args)
            result: Observation = await asyncio.wait_for(handle.analyse.remote(job), CALL_TIMEOUT_S)
            return result
        except Exception as error:
            if _is_actor_failure(error):
                self._handles.pop(index, None)  # ask Ray again: it may have been restarted or remade
                self._paused_until = time.monotonic() + RESTART_PAUSE_S
                self._why_paused = (
                    f"perception actor {actor_name(index)} unavailable ({type(error).__name__})"
                )
                log.warning("camera %s: %s", camera_id, self._why_paused)
            raise
        finally:
            self._in_flight.discard(slot)

    def shutdown(self) -> None:
        """The perception actors belong to the cluster: a camera leaving keeps them running."""
        self._handles.clear()


def _is_actor_failure(error: BaseException) -> bool:
    """The actor died, is restarting, or did not answer in time (not a model's error on one job)."""
    if isinstance(error, TimeoutError):
        return True
    import ray.exceptions

    return isinstance(error, ray.exceptions.RayActorError)
