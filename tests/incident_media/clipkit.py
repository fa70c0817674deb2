"""What the clip tests look at: a written file's streams, packets, pictures and sound, read back with PyAV;
and small H.264 camera files made on the spot."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray


def streams(path: Path) -> list[tuple[str, str]]:
    with av.open(str(path)) as container:
        return [(s.type, s.codec_context.name) for s in container.streams]


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.dts is not None]


def video_frames(path: Path) -> list[tuple[float, NDArray[np.uint8]]]:
    """Every picture of the file: (presentation time in s, RGB image)."""
    with av.open(str(path)) as container:
        return [
            (float(f.time or 0.0), np.asarray(f.to_ndarray(format="rgb24"), dtype=np.uint8))
            for f in container.decode(video=0)
        ]


def sound(path: Path, rate: int = 16_000) -> tuple[NDArray[np.float32], float]:
    """The file's audio as mono float at `rate`, and the time of its first sample."""
    with av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        pieces: list[NDArray[np.float32]] = []
        first: float | None = None
        for frame in container.decode(audio=0):
            if first is None:
                first = float(frame.time or 0.0)
            pieces.extend(_mono(p) for p in resampler.resample(frame))
        pieces.extend(_mono(p) for p in resampler.resample(None))
    return np.concatenate(pieces).astype(np.float32), first or 0.0


def _mono(frame: av.AudioFrame) -> NDArray[np.float32]:
    return np.asarray(frame.to_ndarray(), dtype=np.float32).reshape(-1)


def loudest_second(samples: NDArray[np.float32], rate: int = 16_000) -> float:
    """Start (s from the first sample) of the 1 s window with the most energy, in 0.1 s steps."""
    energy = np.concatenate([[0.0], np.cumsum(samples.astype(np.float64) ** 2)])
    starts = np.arange(0, len(samples) - rate + 1, rate // 10)
    return float(starts[np.argmax(energy[starts + rate] - energy[starts])] / rate)


def detail_correlation(original: NDArray[np.uint8], changed: NDArray[np.uint8]) -> float:
    """How much of `original`'s fine detail (what tells one face from another: grey minus its 5×5 mean)
    is still in `changed`, as a correlation: ~1 for a copy or a JPEG of it, ~0 once it is gone."""

    def detail(image: NDArray[np.uint8]) -> NDArray[np.float64]:
        grey = image.astype(np.float64).mean(axis=2)
        padded = np.pad(grey, 2, mode="edge")
        sums = np.cumsum(np.cumsum(np.pad(padded, ((1, 0), (1, 0))), axis=0), axis=1)
        local = (sums[5:, 5:] - sums[:-5, 5:] - sums[5:, :-5] + sums[:-5, :-5]) / 25
        return np.asarray(grey - local, dtype=np.float64).reshape(-1)

    return float(np.corrcoef(detail(original), detail(changed))[0, 1])


def dominant_hz(samples: NDArray[np.float32], rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def square_x(image: NDArray[np.uint8], rows: tuple[int, int] = (105, 135)) -> float:
    """Centre column of the white square `tests.media.make_clip` draws in rows 100-140."""
    band = image[rows[0] : rows[1]].mean(axis=(0, 2))
    return float(np.mean(np.nonzero(band > 200)[0]))


def make_h264_camera(
    path: Path,
    seconds: float,
    size: tuple[int, int] = (320, 240),
    fps: int = 10,
    audio_codec: str = "aac",
    audio_rate: int = 48_000,
    tone_hz: float = 440.0,
) -> Path:
    """An H.264 file (2 s GOP, no B-frames, like an IP camera) of a white square crossing a grey field,
    with a tone in `audio_codec` (e.g. "pcm_mulaw", G.711 as many cameras send)."""
    width, height = size
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=fps, options={"g": str(2 * fps), "bf": "0"})
        audio = container.add_stream(audio_codec, rate=audio_rate)
        assert isinstance(video, av.VideoStream)
        assert isinstance(audio, av.AudioStream)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        audio.layout = "mono"
        frames = int(seconds * fps)
        for index in range(frames):
            image = np.full((height, width, 3), 90, dtype=np.uint8)
            x = int(index / frames * (width - 40))
            image[100:140, x : x + 40] = 255
            container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        t = np.arange(int(seconds * audio_rate)) / audio_rate
        tone = (0.3 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)
        step = 1024
        for start in range(0, len(tone), step):
            frame = av.AudioFrame.from_ndarray(
                tone[start : start + step].reshape(1, -1), format="flt", layout="mono"
            )
            frame.sample_rate, frame.pts, frame.time_base = audio_rate, start, Fraction(1, audio_rate)
            container.mux(audio.encode(frame))
        container.mux(video.encode(None))
        container.mux(audio.encode(None))
    return path
