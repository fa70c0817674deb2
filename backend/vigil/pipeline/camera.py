"""`CameraPipeline`: frames → sampling → motion gate → pool (drop, never queue) → observations."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from vigil.domain import AudioChunk, EncodedPacket, Frame, Observation, SoundEvent
from vigil.ingest.base import Source
from vigil.ingest.health import RateMeter, SourceHealth
from vigil.pipeline.audio import AudioWindower, SoundEventMerger, SoundGate, level_dbfs
from vigil.pipeline.gating import FrameSampler, MotionGate
from vigil.pipeline.metrics import PipelineMetrics
from vigil.pipeline.pool import AnalysisPool, audio_slot, speech_slot
from vigil.pipeline.ring import FrameRing, TimeRing
from vigil.pipeline.speech import SpeechClipper, clip_audio

log = logging.getLogger(__name__)

ObservationSink = Callable[[Observation], Awaitable[None]]
FrameListener = Callable[[Frame], None]


class CameraPipeline:
    def __init__(
        self,
        camera_id: int,
        analysis_fps: float,
        pool: AnalysisPool,
        metrics: PipelineMetrics,
        on_observation: ObservationSink,
        pre_roll_s: float = 10.0,
        on_frame: FrameListener | None = None,
        sound_gate: SoundGate | None = None,
        keep_frames: bool = False,
        speech: SpeechClipper | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.pool = pool
        self.metrics = metrics
        self.on_observation = on_observation
        self.on_frame = on_frame
        self.analysis_fps = analysis_fps
        self.sampler = FrameSampler(analysis_fps)
        self.gate = MotionGate()
        self.packets: TimeRing[EncodedPacket] = TimeRing(pre_roll_s, lambda p: p.t_s, max_items=20_000)
        self.audio: TimeRing[AudioChunk] = TimeRing(pre_roll_s, lambda c: c.t_s, max_items=2_000)
        # cameras without encoded packets (WebRTC) keep frames instead, for their clips
        self.frames: FrameRing | None = FrameRing(pre_roll_s) if keep_frames else None
        self.windower = AudioWindower()
        self.sound_gate = sound_gate
        self.merger = SoundEventMerger()
        # the camera's speech to text (its `transcribe` switch): None when off
        self.speech = speech if pool.transcribes else None
        self.latest_observation: Observation | None = None
        self.latest_frame: Frame | None = None
        self._analysed = RateMeter()
        self._pool_drops = 0
        self._unserved = RateMeter(10.0)  # sampled frames the busy pool turned away, over 10 s
        self._tasks: set[asyncio.Task[None]] = set()
        self._label = str(camera_id)

    async def run(self, source: Source) -> None:
        async for item in source:
            if isinstance(item, Frame):
                self._on_frame(item)
            elif isinstance(item, AudioChunk):
                self.audio.append(item)
                self.metrics.audio_chunks.labels(self._label).inc()
                if self.pool.hears:
                    self._on_audio(item)

    def _on_audio(self, chunk: AudioChunk) -> None:
        window = self.windower.push(chunk)
        if window is None:
            return
        newest = self.windower.newest(window)
        level = level_dbfs(newest)  # every window's loudness reaches the activity baseline, models or not
        if self.sound_gate is not None and not self.sound_gate.passes(newest):
            self.metrics.sound_windows.labels(self._label, "gated").inc()
            self._heard_speech((), window.t_s + window.duration_s)  # quiet: any speech has paused
            self._start(self._level_only(window, level))
            return
        if not self.pool.try_acquire(audio_slot(self.camera_id)):
            self.metrics.sound_windows.labels(self._label, "dropped").inc()
            self._start(self._level_only(window, level))
            return
        self._start(self._hear(window, level))

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _level_only(self, window: AudioChunk, level: float) -> None:
        end_s = window.t_s + window.duration_s
        await self.on_observation(
            Observation(self.camera_id, end_s, window.wall_time_s, modality="audio", sound_level_db=level)
        )

    async def _hear(self, window: AudioChunk, level: float) -> None:
        start = time.perf_counter()
        try:
            observation = await self.pool.analyse_audio(window)
        except BrokenProcessPool:
            return  # the pool logs the crash once and restarts; the camera's health says so meanwhile
        except Exception:
            log.exception("camera %s: sound analysis failed", self.camera_id)
            return
        self.metrics.stage_seconds.labels("sound").observe(time.perf_counter() - start)
        self.metrics.sound_windows.labels(self._label, "analysed").inc()
        self._heard_speech(observation.sounds, window.t_s + window.duration_s)
        fresh = self.merger.fresh(observation.sounds)
        await self.on_observation(dataclasses.replace(observation, sounds=tuple(fresh), sound_level_db=level))

    def _heard_speech(self, sounds: tuple[SoundEvent, ...], window_end_s: float) -> None:
        """Send the camera's speech to the speech-to-text model once an utterance is due (`SpeechClipper`)."""
        if self.speech is None:
            return
        due = self.speech.hear(sounds, window_end_s)
        clip = clip_audio(self.audio.between(due.t_s - 2.0, due.end_s), due) if due is not None else None
        if clip is None:
            return
        if not self.pool.try_acquire(speech_slot(self.camera_id)):
            self.metrics.sound_windows.labels(self._label, "speech_dropped").inc()
            return
        self._start(self._transcribe(clip))

    async def _transcribe(self, clip: AudioChunk) -> None:
        start = time.perf_counter()
        try:
            observation = await self.pool.transcribe(clip)
        except BrokenProcessPool:
            return  # as in _hear
        except Exception:
            log.exception("camera %s: speech to text failed", self.camera_id)
            return
        self.metrics.stage_seconds.labels("speech").observe(time.perf_counter() - start)
        self.metrics.sound_windows.labels(self._label, "transcribed").inc()
        if observation.transcripts or observation.sounds:
            fresh = self.merger.fresh(observation.sounds)
            await self.on_observation(dataclasses.replace(observation, sounds=tuple(fresh)))

    def _on_frame(self, frame: Frame) -> None:
        self.metrics.frames_in.labels(self._label).inc()
        self.latest_frame = frame
        if self.frames is not None:
            self.frames.offer(frame)
        if self.on_frame is not None:
            self.on_frame(frame)
        if not self.sampler.take(frame.t_s):
            return
        start = time.perf_counter()
        passed, motion = self.gate.check(frame.t_s, frame.image)
        self.metrics.stage_seconds.labels("motion_gate").observe(time.perf_counter() - start)
        if not passed:
            self.metrics.frames_gated.labels(self._label).inc()
            return
        if not self.pool.try_acquire(self.camera_id):
            self._pool_drops += 1
            self._unserved.tick(time.time())
            self.metrics.frames_dropped.labels(self._label, "pool").inc()
            return
        self._start(self._analyse(frame, motion))

    async def _analyse(self, frame: Frame, motion: float) -> None:
        start = time.perf_counter()
        try:
            observation = await self.pool.analyse(frame, motion)
        except BrokenProcessPool:
            return  # as in _hear
        except Exception:
            log.exception("camera %s: analysis failed", self.camera_id)
            return
        self.metrics.stage_seconds.labels("analysis").observe(time.perf_counter() - start)
        self.metrics.frames_analysed.labels(self._label).inc()
        self._analysed.tick(time.time())
        self.latest_observation = observation
        await self.on_observation(observation)

    def health(self, source: SourceHealth) -> SourceHealth:
        """The source's health with the pipeline's own figures added."""
        return dataclasses.replace(
            source,
            fps_analysed=round(self._analysed.per_s(time.time()), 2),
            fps_wanted=self.analysis_fps,
            fps_unserved=round(self._unserved.per_s(time.time()), 2),
            frames_dropped=source.frames_dropped + self._pool_drops,
            last_error=self.pool.problem or source.last_error,
            analysis_restarts=self.pool.restarts,
        )

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.pool.forget(self.camera_id)

    @property
    def pending(self) -> int:
        """Analyses still running (frames, sound, speech)."""
        return len(self._tasks)

    def release(self) -> None:
        """Drop what the buffers hold (after `stop`): the camera is gone or reconnects with new ones."""
        self.packets.clear()
        self.audio.clear()
        if self.frames is not None:
            self.frames.clear()
        self.latest_frame = None
        self.latest_observation = None
