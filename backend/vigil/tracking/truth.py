"""Hand-labelled identities on the shared street footage, for `vigil.tracking.compare`.

vtest.avi and the plaza scenario are the same 79.5 s of a fixed camera (the plaza is vtest re-encoded to
H.264 with a sound track), so one set of labels serves both. A chain is points on one person: (t_s, x, y) of
the bottom-centre of their box, normalised, read by eye from the frames sampled at 5 fps.
"""

from __future__ import annotations

from dataclasses import dataclass

Chain = list[tuple[float, float, float]]

STREET = frozenset({"vtest.avi", "plaza_incident.mp4"})


@dataclass(frozen=True)
class TruthStretch:
    name: str
    videos: frozenset[str]
    start_s: float
    end_s: float
    people_by_eye: int
    chains: dict[str, Chain]
    tuned_on: bool  # Vigil's tracker constants were chosen on this stretch: its numbers are not evidence


# The chains the tracker's constants were tuned with (tests/tracking/test_actions.py uses them too).
VTEST_0_30 = TruthStretch(
    name="0-30 s",
    videos=STREET,
    start_s=0.0,
    end_s=30.0,
    people_by_eye=10,
    chains={
        "man in a black coat": [(1.0, 0.74, 0.57), (8.0, 0.36, 0.42), (10.0, 0.47, 0.48)],
        "man in a leather jacket (meets the man in jeans at 3 s)": [(0.4, 0.39, 0.53), (1.6, 0.47, 0.49)],
        "man in jeans standing by the sign": [(4.0, 0.51, 0.45), (12.0, 0.5, 0.45), (15.0, 0.52, 0.48)],
        "woman in light blue": [(12.6, 0.85, 0.51), (16.0, 0.48, 0.43), (21.0, 0.05, 0.36)],
        "bald man in jeans": [(5.0, 0.9, 0.64), (17.4, 0.82, 0.34), (29.6, 0.24, 0.4)],
        "man in a red jacket": [(2.0, 0.92, 0.66), (15.6, 0.86, 0.28), (29.6, 0.82, 0.39)],
        "far walker on the lawn": [(9.0, 0.33, 0.16), (11.4, 0.25, 0.18), (16.2, 0.05, 0.24)],
        "man in a striped sweater": [(14.2, 0.88, 0.58), (21.4, 0.19, 0.44), (28.0, 0.02, 0.42)],
    },
    tuned_on=True,
)

VTEST_30_60 = TruthStretch(
    name="30-60 s",
    videos=STREET,
    start_s=30.0,
    end_s=60.0,
    # ~12 visits: 6 people in view at 30 s, about 6 entries after (some may be the same actors coming back,
    # and are counted again); people only at the frame's bottom edge were not followed
    people_by_eye=12,
    chains={
        # two men in jeans walking right, told apart on crops: a bald, bearded man in a black jacket crosses
        # the person in black at 30.5 s (one box at 30.4 s), passes behind the sign post at 34-35 s and leaves
        # at the bottom right; a dark-haired man in a brown jacket over a black shirt turns at the sign post
        # at 35 s, crossing the person in black there, and walks back left
        "bald man in jeans": [
            (30.0, 0.26, 0.41),
            (31.0, 0.34, 0.42),
            (32.0, 0.41, 0.43),
            (33.0, 0.49, 0.45),
            (35.2, 0.66, 0.48),
            (36.0, 0.72, 0.49),
            (37.0, 0.80, 0.51),
            (38.0, 0.89, 0.54),
        ],
        "dark-haired man in a brown jacket": [
            (30.0, 0.41, 0.40),
            (31.0, 0.49, 0.39),
            (32.0, 0.58, 0.35),
            (33.0, 0.64, 0.38),
            (35.6, 0.52, 0.43),
            (37.0, 0.46, 0.43),
            (38.0, 0.38, 0.44),
            (39.6, 0.36, 0.49),
            (41.2, 0.40, 0.51),
            (42.8, 0.40, 0.50),
            (44.4, 0.41, 0.50),
            (46.0, 0.48, 0.52),
            (47.6, 0.59, 0.57),
        ],
        # black jacket and black trousers: walks left, turns at 31 s, goes up the road and comes back down
        # behind the woman in red (one box for both at 46 s)
        "person all in black": [
            (30.0, 0.33, 0.38),
            (30.8, 0.27, 0.39),
            (32.0, 0.28, 0.41),
            (34.0, 0.42, 0.43),
            (36.0, 0.59, 0.44),
            (38.0, 0.72, 0.40),
            (39.6, 0.78, 0.36),
            (41.2, 0.76, 0.35),
            (42.8, 0.71, 0.38),
            (44.4, 0.66, 0.43),
            (47.6, 0.75, 0.57),
        ],
        "man in a long dark coat": [
            (30.0, 0.43, 0.51),
            (32.0, 0.35, 0.48),
            (34.0, 0.45, 0.52),
            (36.0, 0.59, 0.58),
            (38.0, 0.76, 0.64),
        ],
        # a couple walking side by side towards the camera, boxes overlapping, leaving at the right
        "man in a red jacket, with the woman": [
            (30.0, 0.78, 0.41),
            (32.0, 0.80, 0.46),
            (34.0, 0.85, 0.52),
            (36.0, 0.94, 0.58),
        ],
        "blonde woman in a black coat": [
            (30.0, 0.82, 0.40),
            (32.0, 0.84, 0.46),
            (34.0, 0.89, 0.52),
            (36.0, 0.97, 0.58),
        ],
        "woman in a red jacket": [
            (44.4, 0.79, 0.60),
            (49.2, 0.47, 0.47),
            (50.8, 0.37, 0.48),
            (52.4, 0.29, 0.43),
            (54.0, 0.22, 0.41),
            (55.6, 0.14, 0.40),
            (57.2, 0.04, 0.43),
        ],
        "bald man walking up to the left": [
            (50.8, 0.73, 0.57),
            (52.4, 0.64, 0.51),
            (54.0, 0.58, 0.46),
            (55.6, 0.53, 0.42),
            (57.2, 0.45, 0.39),
            (58.8, 0.33, 0.37),
            (60.0, 0.26, 0.37),
        ],
        "man with a white paper walking up the road": [
            (52.4, 0.86, 0.51),
            (54.0, 0.81, 0.45),
            (55.6, 0.78, 0.41),
            (57.2, 0.76, 0.41),
        ],
    },
    tuned_on=False,
)

TRUTH: tuple[TruthStretch, ...] = (VTEST_0_30, VTEST_30_60)
