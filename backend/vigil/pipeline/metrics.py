"""Prometheus figures of every pipeline, in a registry per app (tests build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class PipelineMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.frames_in = Counter(
            "vigil_frames_in", "Frames received from the source", ["camera"], registry=self.registry
        )
        self.frames_analysed = Counter(
            "vigil_frames_analysed", "Frames the models analysed", ["camera"], registry=self.registry
        )
        self.frames_dropped = Counter(
            "vigil_frames_dropped",
            "Frames dropped, by stage (source: queue full; pool: camera's job still running)",
            ["camera", "stage"],
            registry=self.registry,
        )
        self.frames_gated = Counter(
            "vigil_frames_gated",
            "Sampled frames skipped for lack of motion",
            ["camera"],
            registry=self.registry,
        )
        self.audio_chunks = Counter(
            "vigil_audio_chunks", "Audio chunks received", ["camera"], registry=self.registry
        )
        self.sound_windows = Counter(
            "vigil_sound_windows",
            "Sound windows by fate (analysed; gated: too quiet; dropped: the previous one still running)",
            ["camera", "fate"],
            registry=self.registry,
        )
        self.stage_seconds = Histogram(
            "vigil_stage_seconds",
            "Latency per pipeline stage",
            ["stage"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.fps_in = Gauge("vigil_camera_fps_in", "Frames per second in", ["camera"], registry=self.registry)
        self.fps_analysed = Gauge(
            "vigil_camera_fps_analysed", "Frames per second analysed", ["camera"], registry=self.registry
        )
        self.pool_in_flight = Gauge(
            "vigil_pool_in_flight", "Frames being analysed in the pool", registry=self.registry
        )
        self.cameras_streaming = Gauge(
            "vigil_cameras_streaming", "Cameras whose source is streaming", registry=self.registry
        )
        self.pool_restarts = Counter(
            "vigil_pool_restarts",
            "Times the analysis pool was replaced after one of its workers died",
            registry=self.registry,
        )
        self.models_set_aside = Gauge(
            "vigil_models_set_aside",
            "Models set aside after crashing their pool worker again and again (1 each)",
            ["model"],
            registry=self.registry,
        )
