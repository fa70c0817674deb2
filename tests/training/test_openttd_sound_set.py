"""OpenTTD sound sets (`.cat`), read for the sound evaluation's corpus: each WAV named by its index and
quoted title, entries without sound skipped, a table or an entry outside the file refused."""

from __future__ import annotations

import struct

import pytest

from vigil.training.audio_data import DataError, cat_members

NEW_FORMAT = 0x8000_0000


def sound_set(entries: list[tuple[str, bytes]]) -> bytes:
    bodies = [bytes([len(text) + 1]) + text.encode("latin-1") + b"\0" + data for text, data in entries]
    offset = 8 * len(entries)
    table = b""
    for body in bodies:
        table += struct.pack("<II", offset | NEW_FORMAT, len(body))
        offset += len(body)
    return table + b"".join(bodies)


def test_each_sound_is_named_by_its_index_and_title_and_empty_entries_are_skipped() -> None:
    riff = b"RIFF\x04\x00\x00\x00WAVE"
    data = sound_set(
        [
            ('"Ship horn". Original "horn.wav" by someone. License: CC0.', riff),
            ("Unused/Nothing", b""),
            ('"Truck/old bus start, pull away with horn"; <odd> chars', riff + b"!"),
        ]
    )
    assert list(cat_members(data)) == [
        ("00 Ship horn", riff),
        ("02 Truck/old bus start, pull away with horn", riff + b"!"),
    ]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x00\x00", "shorter than its table"),
        (struct.pack("<II", 0, 0), "a table of 0 entries"),
        (struct.pack("<II", 8 * 5000, 1) + b"\x00" * 64, "a table of 5000 entries"),
        (struct.pack("<II", 8 | NEW_FORMAT, 500) + b"\x04RIFF", "entry 0 lies outside the file"),
    ],
)
def test_a_broken_sound_set_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(DataError, match=why):
        list(cat_members(data))
