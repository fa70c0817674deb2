"""Fusion demo: simulated observations of two cameras through the default rules, incidents printed.

Camera 1 watches a plaza in the afternoon: people walk by quietly, then two of them fight while someone
screams, and later a person falls and stays down. Camera 2 watches a shop front at night: glass breaks and
someone stands at the door. The observations are made up (`vigil.fusion.simulate`), the rules are the
shipped defaults; every incident is printed with each term's evidence, weight and contribution.

    .venv/bin/python scripts/fusion_demo.py [--json]
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from vigil.domain import Observation
from vigil.fusion import FusionEngine, IncidentUpdate, UpdateKind, load_default_rules
from vigil.fusion.simulate import (
    Scene,
    Sound,
    StreamClock,
    action,
    audio,
    face,
    merged,
    person,
    video,
    walker,
)
from vigil.tracking.zones import Zone, ZoneKind

AFTERNOON = datetime(2026, 11, 24, 15, 0, tzinfo=UTC).timestamp()
NIGHT = datetime(2026, 11, 24, 23, 40, tzinfo=UTC).timestamp()
SHOP_DOOR = Zone("shop_door", ((0.55, 0.75), (0.85, 0.75), (0.85, 1.0), (0.55, 1.0)), ZoneKind.RESTRICTED)


def plaza() -> list[Observation]:
    clock = StreamClock(camera_id=1, wall_start_s=AFTERNOON)
    walkers = [walker(1, 0, 0.0, 0.03, 0.6), walker(2, 4, 1.0, -0.02, 0.7), walker(3, 0, 0.3, 0.01, 0.65)]

    def scene(t: float) -> Scene:
        people = tuple(d for w in walkers if (d := w(t)) is not None)
        actions = []
        faces = []
        if 30 <= t < 42:  # tracks 1 and 2 fight
            actions.append(action("fight", 0.75, t, (1, 2), 0.5))
            faces.append(face(2, 0.55, "angry", 0.7, 0.7))
        if 70 <= t < 85:  # track 3 fell and stays down
            actions.append(action("fall", 0.8, t, (3,), 0.35))
        return Scene(people, tuple(faces), tuple(actions))

    sounds = [
        Sound("speech", 0.6, 5, 7, "silero-vad"),
        Sound("scream", 0.8, 33, 35, "svm-movie8class"),
        Sound("shout", 0.7, 36, 38, "svm-movie8class"),
    ]
    return merged(video(clock, 0, 100, scene), audio(clock, 0, 100, sounds))


def shop_front() -> list[Observation]:
    clock = StreamClock(camera_id=2, wall_start_s=NIGHT)

    def scene(t: float) -> Scene:
        return Scene((person(7, 0.7, 0.9, 0.8),)) if 22 <= t < 40 else Scene()

    sounds = [Sound("glass_break", 0.65, 20, 20.7, "acoustic.glass")]
    return merged(video(clock, 0, 60, scene), audio(clock, 0, 60, sounds))


def describe(update: IncidentUpdate) -> str:
    why = update.explanation
    head = (
        f"[cam {update.camera_id} t={update.t_s:5.1f}s] {update.kind.value.upper():7} #{update.incident_id} "
        f"{update.label} ({update.severity.value}) confidence {update.confidence:.2f}"
    )
    if update.kind is UpdateKind.UPDATED:
        return head
    span = f"started {update.started_s:.1f}s" + (
        f", ended {update.ended_s:.1f}s" if update.ended_s is not None else ""
    )
    lines = [head, f"    {span}; snapshot at {update.key_evidence_s:.1f}s"]
    if update.sound_span is not None:
        lines.append(f"    sound {update.sound_span[0]:.1f}–{update.sound_span[1]:.1f}s")
    schedule = f" (schedule ×{why.schedule_factor:g}, {why.schedule})" if why.schedule else ""
    lines.append(
        f"    rules v{why.rule_version}, rule {why.rule}: score {why.score:.2f}{schedule}, "
        f"threshold {why.threshold:g}"
    )
    for term in why.terms:
        if term.contribution == 0.0:
            continue
        lines.append(
            f"      {term.evidence:22} {term.read:8} value {term.value:.2f} × weight {term.weight:g}"
            f" → {term.contribution:.2f}"
        )
        for item in term.evidence_items[:1]:
            when = f"{item.t_s:.1f}s" if item.end_s == item.t_s else f"{item.t_s:.1f}–{item.end_s:.1f}s"
            who = f" tracks {','.join(map(str, item.track_ids))}" if item.track_ids else ""
            zone = f" in {item.zone} ×{item.zone_factor:g}" if item.zone else ""
            source = f" by {item.source}" if item.source else ""
            lines.append(f"        {item.label} {item.score:.2f} at {when}{who}{zone}{source}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="one JSON object per update")
    args = parser.parse_args()
    engine = FusionEngine(load_default_rules(), zones_by_camera={2: [SHOP_DOOR]}, tz="UTC")
    observations = merged(plaza(), shop_front())
    updates = [u for o in observations for u in engine.feed(o)] + engine.flush()
    for update in updates:
        print(json.dumps(update.as_dict()) if args.json else describe(update))
    if not args.json:
        incidents = sum(u.kind is UpdateKind.OPENED for u in updates)
        print(f"\n{len(observations)} observations → {incidents} incidents")


if __name__ == "__main__":
    main()
