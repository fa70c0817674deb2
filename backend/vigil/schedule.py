"""Daily time windows ("22:00"-"06:00", optionally on some weekdays), shared by the fusion rules'
schedules and the alert routes' active hours. Pure."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def minutes(text: str) -> int:
    """'HH:MM' → minutes since midnight."""
    hours, mins = text.split(":")
    return int(hours) * 60 + int(mins)


def check_time_of_day(value: object, hint: str = "") -> str:
    if not isinstance(value, str) or not TIME_OF_DAY.match(value):
        raise ValueError(f"times are quoted 'HH:MM' strings from '00:00' to '24:00'{hint}, got {value!r}")
    return value


def check_weekdays(value: tuple[str, ...] | None) -> tuple[str, ...] | None:
    for day in value or ():
        if day not in WEEKDAYS:
            raise ValueError(f"days are {', '.join(WEEKDAYS)}; got {day!r}")
    return value


def in_window(start: str, end: str, days: tuple[str, ...] | None, minute_of_day: int, weekday: int) -> bool:
    """Whether a moment (minute of the day, `weekday` 0 = Monday) is inside [start, end). A range that
    wraps midnight (22:00-06:00) belongs to the day it starts on, for `days`."""
    first, last = minutes(start), minutes(end)
    if first <= last:
        inside, day = first <= minute_of_day < last, weekday
    elif minute_of_day >= first:
        inside, day = True, weekday
    else:
        inside, day = minute_of_day < last, (weekday - 1) % 7
    return inside and (days is None or WEEKDAYS[day] in days)


def known_zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or ValueError saying it is unknown."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError; bad paths are ValueError
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as Europe/Paris") from error
