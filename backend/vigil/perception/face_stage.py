"""Faces and their emotion on the people a detector found: the head part of each person's box.

Running the face detector on whole surveillance frames misses faces (a 10-20 px face in a 768 px frame
shrinks below the detector's 192 px input resolution). On the upper part of a person crop the face fills a
useful share of the input. People too small to show a readable face are skipped: emotion needs a face of a
few dozen pixels, and the crop costs ~5 ms each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from vigil.domain import EMOTIONS, Box, Detection, Emotion, Face
from vigil.perception.emotion import EmotionClassifier
from vigil.perception.faces import FaceDetector, face_crop

HEAD_SHARE = 0.45  # of the person box's height, from its top: head and shoulders, also for a bent person
SIDE_MARGIN = 0.15  # of the box's width on each side: a head can stick out of a tight box
MIN_PERSON_PX = 120  # shorter people have faces below ~15 px: nothing to read
MIN_FACE_PX = 16  # a detected face smaller than this is kept, but its emotion is not classified
MAX_PEOPLE = 6  # the tallest (nearest) first: bounds the cost per frame


@dataclass(frozen=True, slots=True)
class HeadWindow:
    """Where a head crop sits in the frame, in pixels."""

    x0: int
    y0: int
    x1: int
    y1: int

    def to_frame(self, box: Box, width: int, height: int) -> Box:
        """A box normalised to the crop → normalised to the frame."""
        w, h = self.x1 - self.x0, self.y1 - self.y0
        return Box(
            x1=(self.x0 + box.x1 * w) / width,
            y1=(self.y0 + box.y1 * h) / height,
            x2=(self.x0 + box.x2 * w) / width,
            y2=(self.y0 + box.y2 * h) / height,
        )


def head_window(person: Box, width: int, height: int) -> HeadWindow | None:
    """The head-and-shoulders window of a person box, clipped to the frame; None when it is too small."""
    box_w, box_h = (person.x2 - person.x1) * width, (person.y2 - person.y1) * height
    if box_h < MIN_PERSON_PX:
        return None
    x0 = max(0, int((person.x1 * width) - SIDE_MARGIN * box_w))
    x1 = min(width, int((person.x2 * width) + SIDE_MARGIN * box_w + 1))
    y0 = max(0, int(person.y1 * height))
    y1 = min(height, int(person.y1 * height + HEAD_SHARE * box_h + 1))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    return HeadWindow(x0, y0, x1, y1)


def classify_emotion(classifier: EmotionClassifier, face_rgb: NDArray[np.uint8]) -> Emotion:
    ranking = classifier.classify(face_rgb)
    by_label = dict(ranking)
    label, conf = ranking[0]
    return Emotion(label=label, conf=conf, scores=tuple(by_label[name] for name in EMOTIONS))


def faces_of_people(
    image_rgb: NDArray[np.uint8],
    people: list[Detection],
    detector: FaceDetector,
    emotion: EmotionClassifier | None,
) -> list[Face]:
    """At most one face per person (the detector's best in the head window), with its emotion."""
    height, width = image_rgb.shape[:2]
    tallest = sorted(
        (p for p in people if p.label == "person"), key=lambda p: p.box.y2 - p.box.y1, reverse=True
    )
    faces: list[Face] = []
    for person in tallest[:MAX_PEOPLE]:
        window = head_window(person.box, width, height)
        if window is None:
            continue
        found = detector.detect(image_rgb[window.y0 : window.y1, window.x0 : window.x1])
        if not found:
            continue
        best = max(found, key=lambda d: d.conf)
        box = window.to_frame(best.box, width, height)
        faces.append(_face(image_rgb, box, best.conf, emotion, person.track_id))
    return faces


def faces_of_image(
    image_rgb: NDArray[np.uint8], detector: FaceDetector, emotion: EmotionClassifier | None
) -> list[Face]:
    """Every face in a photo (close-up or group picture), with its emotion: `vigil detect` on images."""
    return [_face(image_rgb, d.box, d.conf, emotion, None) for d in detector.detect(image_rgb)]


def _face(
    image_rgb: NDArray[np.uint8],
    box: Box,
    conf: float,
    emotion: EmotionClassifier | None,
    track_id: int | None,
) -> Face:
    height, width = image_rgb.shape[:2]
    face_px = min((box.x2 - box.x1) * width, (box.y2 - box.y1) * height)
    mood = None
    if emotion is not None and face_px >= MIN_FACE_PX:
        mood = classify_emotion(emotion, face_crop(image_rgb, box))
    return Face(box=box, conf=conf, emotion=mood, track_id=track_id)
