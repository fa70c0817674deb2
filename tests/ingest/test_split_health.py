"""A camera read as two streams shows one health: the frames' figures from the detect stream, the worse
state of the two, and the failing stream named in the error."""

from __future__ import annotations

from vigil.ingest.health import SourceHealth
from vigil.ingest.split_source import combined_health

STREAMING = SourceHealth(state="streaming", fps_in=10.0, last_frame_age_s=0.1, reconnects=1)


def test_both_streaming_shows_the_detect_streams_frames() -> None:
    main = SourceHealth(state="streaming", fps_in=25.0, frames_dropped=0, reconnects=2)
    detect = SourceHealth(
        state="streaming", fps_in=10.0, frames_dropped=3, last_frame_age_s=0.1, reconnects=1
    )
    shown = combined_health(main, detect)
    assert (shown.state, shown.fps_in, shown.frames_dropped, shown.last_frame_age_s) == (
        "streaming",
        10.0,
        3,
        0.1,
    )
    assert shown.reconnects == 3
    assert shown.last_error is None


def test_a_lost_substream_is_named() -> None:
    detect = SourceHealth(state="offline", last_error="no data within the read timeout")
    shown = combined_health(STREAMING, detect)
    assert shown.state == "offline"
    assert shown.last_error == "detect stream: no data within the read timeout"


def test_a_lost_main_stream_is_named_even_while_frames_come() -> None:
    main = SourceHealth(state="reconnecting", last_error="connection refused")
    shown = combined_health(main, STREAMING)
    assert shown.state == "reconnecting"
    assert shown.last_error == "main stream: connection refused"
    assert shown.fps_in == 10.0


def test_the_worse_state_wins_and_a_refusal_beats_an_outage() -> None:
    refused = SourceHealth(state="error", last_error="refused: the camera's URL contains a control character")
    offline = SourceHealth(state="offline", last_error="no data")
    assert combined_health(refused, offline).state == "error"
    assert combined_health(offline, refused).last_error == f"detect stream: {refused.last_error}"
    connecting = SourceHealth(state="connecting")
    assert combined_health(connecting, STREAMING).state == "connecting"
    assert combined_health(connecting, STREAMING).last_error is None
