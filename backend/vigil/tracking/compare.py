"""Trackers compared on the same detections: `python -m vigil.tracking.compare [VIDEO ...]`.

NanoDet runs once per sampled frame (5 fps, as a camera samples) and its detections are cached in
`.cache/tracker-compare/` (git-ignored), down to confidence 0.1 so that ByteTrack's low-score stage can be
fed too; every other candidate gets the boxes ≥ 0.5 the pipeline delivers. Every tracker therefore sees
identical input, and a second run costs only the tracking.

What is counted (docs/perception.md, "Tracker", says how to read the numbers):
- person tracks: distinct ids on person boxes in a stretch, against the people counted by eye there;
- short tracks: ids that last under 1 s (a fragment, or a stray box confirmed);
- identity errors on hand-labelled chains (`truth.py`): points on the same person at several times, each
  taken as the nearest person box; `fragments` counts extra ids along one person's chain, `transfers`
  an id found on more than one person. Points whose box has no id (not confirmed yet, or missed) are
  counted apart, as `no id`;
- ms per update: the tracker's own call only, median and 90th percentile over the frames.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from vigil.domain import Detection
from vigil.tracking.candidates import Candidate, candidates
from vigil.tracking.truth import TRUTH, TruthStretch

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

SAMPLE_FPS = 5.0
CACHE_MIN_CONF = 0.1
CACHE_VERSION = 1
MAX_POINT_DISTANCE = 0.06
"""A labelled point farther than this (normalised, from a person box's bottom-centre) has no box: missed."""
SHORT_TRACK_S = 1.0


class Detector(Protocol):
    name: str

    def detect(self, image_rgb: NDArray[np.uint8]) -> list[Detection]: ...


@dataclass(frozen=True)
class VideoDetections:
    """One video's detections, frame by frame: frame `frame_of[k]` holds box `boxes[k]`."""

    name: str
    width_px: int
    height_px: int
    fps: float
    times_s: FloatArray
    frame_of: IntArray
    boxes: FloatArray
    confs: FloatArray
    labels: NDArray[np.str_]

    def frames(self, min_conf: float) -> Iterable[tuple[float, FloatArray, FloatArray, list[str]]]:
        keep = self.confs >= min_conf
        starts = np.searchsorted(self.frame_of, np.arange(len(self.times_s) + 1))
        for i, t_s in enumerate(self.times_s.tolist()):
            rows = np.arange(starts[i], starts[i + 1])
            rows = rows[keep[rows]]
            yield t_s, self.boxes[rows], self.confs[rows], self.labels[rows].tolist()

    def until(self, seconds: float) -> VideoDetections:
        n = int(np.searchsorted(self.times_s, seconds, side="right"))
        m = int(np.searchsorted(self.frame_of, n))
        return VideoDetections(
            self.name, self.width_px, self.height_px, self.fps, self.times_s[:n], self.frame_of[:m],
            self.boxes[:m], self.confs[:m], self.labels[:m],
        )  # fmt: skip

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp.npz")
        np.savez_compressed(
            temporary,
            version=CACHE_VERSION,
            name=self.name,
            size=np.array([self.width_px, self.height_px]),
            fps=self.fps,
            times_s=self.times_s,
            frame_of=self.frame_of,
            boxes=self.boxes,
            confs=self.confs,
            labels=self.labels,
        )
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> VideoDetections:
        with np.load(path, allow_pickle=False) as data:
            if int(data["version"]) != CACHE_VERSION:
                raise ValueError(f"{path}: cache version {int(data['version'])}, expected {CACHE_VERSION}")
            width, height = (int(v) for v in data["size"])
            return cls(
                str(data["name"]), width, height, float(data["fps"]), data["times_s"], data["frame_of"],
                data["boxes"], data["confs"], data["labels"],
            )  # fmt: skip


def detect_video(
    video: Path, detector: Detector, fps: float = SAMPLE_FPS, seconds: float | None = None
) -> VideoDetections:
    """The detector on `video` sampled at `fps` (as the test of vtest samples it), from the start."""
    import av

    times: list[float] = []
    frame_of: list[int] = []
    boxes: list[tuple[float, float, float, float]] = []
    confs: list[float] = []
    labels: list[str] = []
    next_t = 0.0
    width = height = 0
    with av.open(str(video)) as container:
        for frame in container.decode(video=0):
            t_s = float(frame.time or 0.0)
            if seconds is not None and t_s > seconds:
                break
            if t_s + 1e-6 < next_t:
                continue
            next_t += 1.0 / fps
            image = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            height, width = image.shape[:2]
            for detection in detector.detect(image):
                frame_of.append(len(times))
                b = detection.box
                boxes.append((b.x1, b.y1, b.x2, b.y2))
                confs.append(detection.conf)
                labels.append(detection.label)
            times.append(t_s)
    return VideoDetections(
        video.name,
        width,
        height,
        fps,
        np.array(times, dtype=np.float64),
        np.array(frame_of, dtype=np.int64),
        np.array(boxes, dtype=np.float64).reshape(-1, 4),
        np.array(confs, dtype=np.float64),
        np.array(labels, dtype=np.str_),
    )


def cached_detections(video: Path, cache_dir: Path, fps: float = SAMPLE_FPS) -> VideoDetections:
    """NanoDet (down to `CACHE_MIN_CONF`) on the whole video, from the cache when the file is unchanged."""
    from vigil.perception.objects import DEFAULT_NANODET, NanoDetDetector

    stat = video.stat()
    model = DEFAULT_NANODET.read_bytes()
    key = hashlib.sha256(
        f"{video.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{fps}|{CACHE_MIN_CONF}".encode()
        + hashlib.sha256(model).digest()
    ).hexdigest()[:16]
    path = cache_dir / f"{video.stem}-{key}.npz"
    if path.exists():
        return VideoDetections.load(path)
    detector = NanoDetDetector(conf_threshold=CACHE_MIN_CONF, person_threshold=CACHE_MIN_CONF)
    found = detect_video(video, detector, fps)
    found.save(path)
    return found


@dataclass(frozen=True)
class TrackedVideo:
    """Ids per cached detection (−1: none, or below the candidate's input threshold) and update times."""

    ids: IntArray
    update_ms: FloatArray


def run_tracker(candidate: Candidate, video: VideoDetections) -> TrackedVideo:
    tracker = candidate.build(video.width_px, video.height_px, video.fps)
    ids = np.full(len(video.confs), -1, dtype=np.int64)
    rows_all = np.arange(len(video.confs))
    starts = np.searchsorted(video.frame_of, np.arange(len(video.times_s) + 1))
    elapsed = []
    for i, (t_s, boxes, confs, labels) in enumerate(video.frames(candidate.min_conf)):
        rows = rows_all[starts[i] : starts[i + 1]]
        rows = rows[video.confs[rows] >= candidate.min_conf]
        started = time.perf_counter_ns()
        found = tracker.update(t_s, boxes, confs, labels)
        elapsed.append((time.perf_counter_ns() - started) / 1e6)
        for row, track_id in zip(rows.tolist(), found, strict=True):
            if track_id is not None:
                ids[row] = track_id
    return TrackedVideo(ids, np.array(elapsed, dtype=np.float64))


@dataclass(frozen=True)
class StretchScore:
    """What one tracker did in one labelled stretch (see the module docstring)."""

    stretch: str
    people_by_eye: int
    person_tracks: int
    short_tracks: int
    long_tracks: int
    fragments: int
    transfers: int
    no_id: int
    missed: int
    points: int

    @property
    def identity_errors(self) -> int:
        return self.fragments + self.transfers


def score_stretch(video: VideoDetections, tracked: TrackedVideo, truth: TruthStretch) -> StretchScore:
    person = video.labels == "person"
    t_of = video.times_s[video.frame_of]
    inside = person & (tracked.ids >= 0) & (t_of >= truth.start_s) & (t_of <= truth.end_s)
    spans: dict[int, list[float]] = defaultdict(list)
    for track_id, t_s in zip(tracked.ids[inside].tolist(), t_of[inside].tolist(), strict=True):
        spans[track_id].append(t_s)
    durations = [max(ts) - min(ts) for ts in spans.values()]

    chains_of_id: dict[int, set[str]] = defaultdict(set)
    fragments = no_id = missed = points = 0
    for name, chain in truth.chains.items():
        ids: set[int] = set()
        for t_s, x, y in chain:
            points += 1
            frame = int(np.argmin(np.abs(video.times_s - t_s)))
            if abs(video.times_s[frame] - t_s) > 0.5 / video.fps:
                raise ValueError(f"{video.name}: no sampled frame at {t_s} s for {name!r}")
            rows = np.flatnonzero((video.frame_of == frame) & person & (video.confs >= 0.5))
            if len(rows) == 0:
                missed += 1
                continue
            feet = np.stack([(video.boxes[rows, 0] + video.boxes[rows, 2]) / 2, video.boxes[rows, 3]], axis=1)
            distance = np.hypot(feet[:, 0] - x, feet[:, 1] - y)
            nearest = int(np.argmin(distance))
            if distance[nearest] > MAX_POINT_DISTANCE:
                missed += 1
                continue
            track_id = int(tracked.ids[rows[nearest]])
            if track_id < 0:
                no_id += 1
                continue
            ids.add(track_id)
            chains_of_id[track_id].add(name)
        fragments += max(len(ids) - 1, 0)
    transfers = sum(len(names) - 1 for names in chains_of_id.values())
    return StretchScore(
        stretch=truth.name,
        people_by_eye=truth.people_by_eye,
        person_tracks=len(spans),
        short_tracks=sum(d < SHORT_TRACK_S for d in durations),
        long_tracks=sum(d >= 10.0 for d in durations),
        fragments=fragments,
        transfers=transfers,
        no_id=no_id,
        missed=missed,
        points=points,
    )


@dataclass(frozen=True)
class Result:
    candidate: Candidate
    video: str
    person_tracks: int
    short_tracks: int
    scores: tuple[StretchScore, ...]
    ms_median: float
    ms_p90: float


def evaluate(candidate: Candidate, video: VideoDetections) -> Result:
    tracked = run_tracker(candidate, video)
    person = (video.labels == "person") & (tracked.ids >= 0)
    t_of = video.times_s[video.frame_of]
    spans: dict[int, list[float]] = defaultdict(list)
    for track_id, t_s in zip(tracked.ids[person].tolist(), t_of[person].tolist(), strict=True):
        spans[track_id].append(t_s)
    end = float(video.times_s[-1]) if len(video.times_s) else 0.0
    scores = tuple(
        score_stretch(video, tracked, truth)
        for truth in TRUTH
        if video.name in truth.videos and truth.end_s <= end + 1e-6
    )
    ms = tracked.update_ms.tolist() or [math.nan]
    return Result(
        candidate=candidate,
        video=video.name,
        person_tracks=len(spans),
        short_tracks=sum(max(ts) - min(ts) < SHORT_TRACK_S for ts in spans.values()),
        scores=scores,
        ms_median=statistics.median(ms),
        ms_p90=float(np.percentile(ms, 90)),
    )


def compare(videos: Sequence[VideoDetections], chosen: Sequence[Candidate]) -> list[Result]:
    return [evaluate(candidate, video) for video in videos for candidate in chosen]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"


def report(results: Sequence[Result]) -> str:
    lines = [f"Trackers on the same NanoDet detections at {SAMPLE_FPS:g} fps ({machine()})", ""]
    header = (
        "| video | tracker | version | settings | person tracks | < 1 s "
        "| stretch: tracks / people, ≥ 10 s, fragments + transfers, no id | ms p50 | ms p90 |"
    )
    lines += [header, "|---" * 9 + "|"]
    for r in results:
        stretches = "; ".join(
            f"{s.stretch}: {s.person_tracks}/{s.people_by_eye}, {s.long_tracks}, "
            f"{s.fragments}+{s.transfers}={s.identity_errors}, {s.no_id}"
            + (f" ({s.missed} of {s.points} missed)" if s.missed else "")
            for s in r.scores
        )
        lines.append(
            f"| {r.video} | {r.candidate.name} | {r.candidate.version()} | {r.candidate.settings} | "
            f"{r.person_tracks} | {r.short_tracks} | {stretches or '-'} | "
            f"{r.ms_median:.2f} | {r.ms_p90:.2f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    media = Path(__file__).resolve().parents[3].parent / "shared" / "media"
    parser = argparse.ArgumentParser(
        prog="python -m vigil.tracking.compare", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "videos",
        nargs="*",
        type=Path,
        default=[media / "video" / "vtest.avi", media / "scenarios" / "plaza_incident.mp4"],
    )
    parser.add_argument("--cache", type=Path, default=Path(".cache/tracker-compare"))
    parser.add_argument("--seconds", type=float, default=None, help="only the first SECONDS of each video")
    args = parser.parse_args(argv)
    missing = [str(v) for v in args.videos if not v.is_file()]
    if missing:
        print(f"video not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    chosen = [c for c in candidates(SAMPLE_FPS) if c.available()]
    absent = sorted({c.package for c in candidates(SAMPLE_FPS) if not c.available()})
    videos = [cached_detections(v, args.cache) for v in args.videos]
    if args.seconds is not None:
        videos = [v.until(args.seconds) for v in videos]
    print(report(compare(videos, chosen)))
    if absent:
        print(f"\nnot measured (not installed): {', '.join(absent)}; see vigil/tracking/candidates.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
