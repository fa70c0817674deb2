"""The tracker comparison tool (`vigil.tracking.compare`): its identity counts on made-up ids, and the same
numbers twice on a few seconds of vtest.avi through the real NanoDet."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from tests.media import shared_media_dir
from vigil.tracking.candidates import Candidate, VigilTracker, candidates
from vigil.tracking.compare import (
    Result,
    TrackedVideo,
    VideoDetections,
    compare,
    detect_video,
    report,
    score_stretch,
)
from vigil.tracking.truth import TruthStretch


def two_walkers(seconds: float = 4.0, fps: float = 5.0) -> VideoDetections:
    """Person a walks right along y 0.5, person b walks left along y 0.7: one box each per frame."""
    times = np.arange(round(seconds * fps)) / fps
    boxes = []
    for t in times:
        xa, xb = 0.1 + 0.1 * t, 0.9 - 0.1 * t
        boxes += [(xa - 0.02, 0.35, xa + 0.02, 0.5), (xb - 0.02, 0.55, xb + 0.02, 0.7)]
    n = len(times)
    return VideoDetections(
        "walkers.mp4", 640, 480, fps, times, np.repeat(np.arange(n), 2), np.array(boxes),
        np.full(2 * n, 0.8), np.array(["person"] * 2 * n),
    )  # fmt: skip


TRUTH = TruthStretch(
    name="walkers",
    videos=frozenset({"walkers.mp4"}),
    start_s=0.0,
    end_s=4.0,
    people_by_eye=2,
    chains={"a": [(1.0, 0.2, 0.5), (3.0, 0.4, 0.5)], "b": [(1.0, 0.8, 0.7), (3.0, 0.6, 0.7)]},
    tuned_on=False,
)


def test_identity_errors_count_fragments_and_transfers() -> None:
    video = two_walkers()
    a, b = np.arange(0, len(video.confs), 2), np.arange(1, len(video.confs), 2)
    ids = np.empty(len(video.confs), dtype=np.int64)
    ids[a], ids[b] = 1, 2
    kept = score_stretch(video, TrackedVideo(ids, np.zeros(0)), TRUTH)
    assert (kept.person_tracks, kept.fragments, kept.transfers, kept.no_id, kept.missed) == (2, 0, 0, 0, 0)
    assert kept.long_tracks == 0
    assert kept.short_tracks == 0

    swapped = ids.copy()  # from 2 s on, a carries b's id and b gets a new one
    late = video.times_s[video.frame_of] >= 2.0
    swapped[a[late[a]]], swapped[b[late[b]]] = 2, 3
    score = score_stretch(video, TrackedVideo(swapped, np.zeros(0)), TRUTH)
    assert (score.person_tracks, score.fragments, score.transfers) == (3, 2, 1)
    assert score.identity_errors == 3

    unconfirmed = ids.copy()
    unconfirmed[a[:10]] = -1  # a has no id at 1 s
    assert score_stretch(video, TrackedVideo(unconfirmed, np.zeros(0)), TRUTH).no_id == 1


def test_a_labelled_point_far_from_every_box_is_missed_not_an_error() -> None:
    video = two_walkers()
    far = dataclasses.replace(TRUTH, chains={"ghost": [(1.0, 0.5, 0.1)]})
    ids = np.arange(len(video.confs), dtype=np.int64)
    score = score_stretch(video, TrackedVideo(ids, np.zeros(0)), far)
    assert (score.missed, score.points, score.identity_errors) == (1, 1, 0)


def test_vigils_tracker_keeps_both_walkers() -> None:
    vigil = Candidate("Vigil", "vigil", "defaults", 0.5, lambda w, h, f: VigilTracker(w, h))
    video = two_walkers()
    (result,) = compare([video], [vigil])
    assert result.person_tracks == 2
    assert result.short_tracks == 0


def numbers(results: list[Result]) -> list[tuple[object, ...]]:
    """Everything but the timings."""
    return [
        (r.candidate.name, r.candidate.settings, r.video, r.person_tracks, r.short_tracks, r.scores)
        for r in results
    ]


@pytest.mark.slow
def test_the_comparison_gives_the_same_numbers_twice_on_vtest(tmp_path: Path) -> None:
    """NanoDet on the first 4 s of vtest.avi, cached and loaded again; every installed candidate (in CI only
    Vigil's own: supervision and Norfair are not dependencies) run twice."""
    from vigil.perception.objects import NanoDetDetector

    video = shared_media_dir() / "video" / "vtest.avi"
    detector = NanoDetDetector(conf_threshold=0.1, person_threshold=0.1)
    found = detect_video(video, detector, seconds=4.0)
    assert len(found.times_s) == 21  # 0.0, 0.2 ... 4.0
    found.save(tmp_path / "vtest.npz")
    loaded = VideoDetections.load(tmp_path / "vtest.npz")
    np.testing.assert_array_equal(loaded.boxes, found.boxes)
    np.testing.assert_array_equal(loaded.labels, found.labels)

    chosen = [c for c in candidates(5.0) if c.available()]
    first, second = compare([found], chosen), compare([loaded], chosen)
    assert numbers(first) == numbers(second)
    vigil = first[0]
    assert vigil.candidate.name == "Vigil SORT-style"
    assert 4 <= vigil.person_tracks <= 8, vigil  # measured 5: the people walking in the first 4 s
    assert "| vtest.avi | Vigil SORT-style |" in report(first)
