"""Routing, dedup and cooldown: one fight is one alert with a few updates, not fifty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from tests.alerts.support import update
from vigil.alerts import ActiveWindow, AlertMessage, AlertRoute, AlertRouter, camera_slug
from vigil.domain import ChannelKind, UpdateKind

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def webhook_route(route_id: int = 1, /, **changes: object) -> AlertRoute:
    values: dict[str, object] = {
        "id": route_id,
        "channel": ChannelKind.WEBHOOK,
        "target": "http://127.0.0.1:9/hook",
        "cooldown_s": 300,
        "update_step": 0.1,
        "update_interval_s": 30,
        "max_updates": 3,
    }
    values.update(changes)
    return AlertRoute.model_validate(values)


def test_one_fight_is_one_alert_with_a_few_updates() -> None:
    """A two-minute fight reported every second, confidence climbing, that the engine closes and reopens
    twice: one `opened`, at most `max_updates` updates, one `closed` per announced incident."""
    router = AlertRouter((webhook_route(),))
    sent: list[tuple[int, UpdateKind]] = []
    at = T0
    for incident_id in (1, 2, 3):  # the engine's hysteresis closed and reopened it twice
        for second in range(40):
            kind = UpdateKind.OPENED if second == 0 else UpdateKind.UPDATED
            confidence = min(0.99, 0.55 + 0.012 * second + 0.05 * (incident_id - 1))
            for decision in router.decide(update(kind, confidence=confidence, incident_id=incident_id), at):
                sent.append((incident_id, decision.kind))
            at += timedelta(seconds=1)
        for decision in router.decide(update(UpdateKind.CLOSED, incident_id=incident_id), at):
            sent.append((incident_id, decision.kind))
        at += timedelta(seconds=5)

    kinds = [kind for _, kind in sent]
    assert kinds.count(UpdateKind.OPENED) == 1, sent
    assert kinds[0] is UpdateKind.OPENED
    assert 1 <= kinds.count(UpdateKind.UPDATED) <= 3, sent
    assert kinds.count(UpdateKind.CLOSED) == 1, sent  # the reopened ones were folded: never announced
    assert len(sent) <= 5  # out of 123 updates


def test_updates_need_a_real_rise_and_time_between_them() -> None:
    router = AlertRouter((webhook_route(update_step=0.1, update_interval_s=30),))
    assert router.decide(update(UpdateKind.OPENED, confidence=0.6), T0)[0].kind is UpdateKind.OPENED
    # a small rise, or a big one too soon, is not worth a message
    assert router.decide(update(UpdateKind.UPDATED, confidence=0.65), T0 + timedelta(seconds=60)) == []
    assert router.decide(update(UpdateKind.UPDATED, confidence=0.9), T0 + timedelta(seconds=10)) == []
    decisions = router.decide(update(UpdateKind.UPDATED, confidence=0.9), T0 + timedelta(seconds=31))
    assert [d.kind for d in decisions] == [UpdateKind.UPDATED]


def test_cooldown_over_a_new_incident_alerts_again() -> None:
    router = AlertRouter((webhook_route(cooldown_s=120),))
    assert router.decide(update(UpdateKind.OPENED, incident_id=1), T0)
    assert router.decide(update(UpdateKind.CLOSED, incident_id=1), T0 + timedelta(seconds=20))
    assert router.decide(update(UpdateKind.OPENED, incident_id=2), T0 + timedelta(seconds=60)) == []
    # the folded incident is announced if it is still going once the cooldown has passed
    late = router.decide(update(UpdateKind.UPDATED, incident_id=2), T0 + timedelta(seconds=141))
    assert [d.kind for d in late] == [UpdateKind.OPENED]
    # a different label on the same camera has its own cooldown
    other = router.decide(
        update(UpdateKind.OPENED, incident_id=3, label="scream"), T0 + timedelta(seconds=62)
    )
    assert [d.kind for d in other] == [UpdateKind.OPENED]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"cameras": (1, 2)}, "other camera"),
        ({"labels": ("scream", "glass_break")}, "other label"),
        ({"min_confidence": 0.9}, "below the route's minimum confidence"),
        ({"enabled": False}, "disabled"),
    ],
)
def test_a_route_that_does_not_match_gets_nothing(changes: dict[str, object], why: str) -> None:
    router = AlertRouter((webhook_route(**changes),))
    for kind in (UpdateKind.OPENED, UpdateKind.UPDATED, UpdateKind.CLOSED):
        assert router.decide(update(kind, confidence=0.8, camera_id=7, label="fight"), T0) == [], why


def test_an_update_that_crosses_the_minimum_is_the_first_alert() -> None:
    router = AlertRouter((webhook_route(min_confidence=0.7),))
    assert router.decide(update(UpdateKind.OPENED, confidence=0.6), T0) == []
    decisions = router.decide(update(UpdateKind.UPDATED, confidence=0.75), T0 + timedelta(seconds=3))
    assert [d.kind for d in decisions] == [UpdateKind.OPENED]


def test_a_closed_incident_that_was_never_announced_says_nothing() -> None:
    router = AlertRouter((webhook_route(min_confidence=0.9),))
    router.decide(update(UpdateKind.OPENED, confidence=0.6), T0)
    assert router.decide(update(UpdateKind.CLOSED, confidence=0.6), T0 + timedelta(seconds=9)) == []


def test_only_matching_routes_of_several() -> None:
    routes = (
        webhook_route(1, cameras=(7,)),
        webhook_route(2, cameras=(8,)),
        webhook_route(3, labels=("fight",), min_confidence=0.5),
        webhook_route(4, labels=("scream",)),
    )
    decisions = AlertRouter(routes).decide(update(UpdateKind.OPENED, camera_id=7, label="fight"), T0)
    assert sorted(d.route.id for d in decisions) == [1, 3]


def test_schedule_in_the_routes_time_zone_wraps_midnight() -> None:
    night = (ActiveWindow(start="22:00", end="06:00", days=("fri",)),)
    route = webhook_route(schedule=night, timezone="Europe/Paris")
    friday_noon = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # Paris is UTC+1 in November
    assert not route.is_active(friday_noon)
    assert route.is_active(datetime(2026, 11, 27, 21, 30, tzinfo=UTC))  # Fri 22:30 in Paris
    assert route.is_active(datetime(2026, 11, 28, 4, 0, tzinfo=UTC))  # Sat 05:00: Friday's night
    assert not route.is_active(datetime(2026, 11, 28, 21, 30, tzinfo=UTC))  # Sat 22:30: not a Friday
    router = AlertRouter((route,))
    assert router.decide(update(UpdateKind.OPENED), friday_noon) == []
    assert router.decide(update(UpdateKind.UPDATED), datetime(2026, 11, 27, 21, 30, tzinfo=UTC))


@pytest.mark.parametrize(
    ("channel", "target", "field_words"),
    [
        (ChannelKind.SMS, "0612345678", "E.164"),
        (ChannelKind.EMAIL, "not-an-address", "addresses"),
        (ChannelKind.WEBHOOK, "ftp://example.org/x", "http(s) URL"),
        (ChannelKind.MQTT, "vigil/#", "topic prefix"),
    ],
)
def test_a_route_with_a_target_unfit_for_its_channel_is_refused(
    channel: ChannelKind, target: str, field_words: str
) -> None:
    with pytest.raises(ValidationError, match=field_words.replace("(", r"\(").replace(")", r"\)")):
        AlertRoute(id=1, channel=channel, target=target)


def test_unknown_time_zone_and_bad_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        webhook_route(timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="HH:MM"):
        ActiveWindow(start="25:00", end="06:00")


def test_message_from_an_update() -> None:
    message = AlertMessage.from_update(
        update(UpdateKind.OPENED, confidence=0.87),
        camera_name="Front Door #2",
        incident_url="http://vigil.example/incidents/41",
        incident_id=41,
    )
    assert message.camera_slug == "front_door_2"
    assert message.headline == "Fight on Front Door #2 (87%)"
    assert "action.fight" in message.summary
    body = message.as_json()
    assert body["event"] == "incident.opened"
    assert body["incident"]["id"] == 41
    assert body["camera"]["slug"] == "front_door_2"
    assert camera_slug("???", 5) == "camera_5"
