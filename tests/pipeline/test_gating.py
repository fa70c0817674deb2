from __future__ import annotations

import numpy as np

from vigil.pipeline.gating import FrameSampler, MotionGate
from vigil.pipeline.ring import TimeRing


def test_sampler_takes_the_analysis_rate_from_a_faster_stream() -> None:
    sampler = FrameSampler(fps=5)
    taken = [t / 25 for t in range(250) if sampler.take(t / 25)]  # 10 s at 25 fps
    assert len(taken) == 50
    gaps = np.diff(taken)
    assert gaps.min() >= 0.2 - 1e-6


def test_sampler_takes_every_frame_of_a_slower_stream_and_recovers_after_a_gap() -> None:
    sampler = FrameSampler(fps=5)
    assert all(sampler.take(t / 2) for t in range(10))
    assert sampler.take(100.0)
    assert not sampler.take(100.1)
    assert sampler.take(100.2)


def scene(square_x: int | None) -> np.ndarray:
    image = np.full((576, 768, 3), 80, dtype=np.uint8)
    if square_x is not None:
        image[200:260, square_x : square_x + 40] = 230
    return image


def test_motion_gate_passes_movement_and_skips_a_still_picture() -> None:
    gate = MotionGate(heartbeat_s=5)
    assert gate.check(0.0, scene(100)) == (True, 1.0)
    still, moved = gate.check(0.2, scene(100))
    assert (still, moved) == (False, 0.0)
    passed, moved = gate.check(0.4, scene(160))
    assert passed
    assert moved > 0.002


def test_motion_gate_ignores_sensor_noise_but_sends_a_heartbeat() -> None:
    rng = np.random.default_rng(1)
    gate = MotionGate(heartbeat_s=5)
    base = scene(None).astype(np.int16)
    results = []
    for i in range(30):
        noisy = np.clip(base + rng.integers(-6, 7, base.shape), 0, 255).astype(np.uint8)
        results.append(gate.check(i * 0.2, noisy)[0])
    assert results[0]
    assert sum(results) == 2  # the first frame and the heartbeat at 5 s
    assert results[25]


def test_ring_keeps_only_the_last_seconds() -> None:
    ring: TimeRing[float] = TimeRing(seconds=10, time_of=lambda t: t)
    for t in range(100):
        ring.append(t * 0.5)
    assert ring.snapshot()[0] == 39.5
    assert ring.snapshot()[-1] == 49.5
    assert ring.between(45, 46) == [45.0, 45.5, 46.0]
    bounded: TimeRing[float] = TimeRing(seconds=1000, time_of=lambda t: t, max_items=5)
    for t in range(10):
        bounded.append(t)
    assert len(bounded) == 5


def test_thumbnail_is_the_block_average_of_the_grey_picture() -> None:
    from vigil.pipeline.gating import thumbnail

    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(577, 771, 3), dtype=np.uint8)
    step = 771 // 160
    h, w = (577 // step) * step, (771 // step) * step
    grey = image[:h, :w].astype(np.float64).mean(axis=2)
    expected = grey.reshape(h // step, step, w // step, step).mean(axis=(1, 3))
    assert np.allclose(thumbnail(image), expected, atol=1e-3)
