from vigil.security.ratelimit import SlidingWindowLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_lifts_as_events_leave_the_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(max_events=2, window_s=60, clock=clock)
    limiter.record("k")
    clock.now += 10
    limiter.record("k")
    assert limiter.retry_after_s("k") == 50
    assert limiter.retry_after_s("other") == 0
    clock.now += 50
    assert limiter.retry_after_s("k") == 0
    limiter.record("k")
    assert limiter.retry_after_s("k") == 10


def test_reset_forgets_a_key() -> None:
    limiter = SlidingWindowLimiter(max_events=1, window_s=60, clock=FakeClock())
    limiter.record("k")
    assert limiter.retry_after_s("k") > 0
    limiter.reset("k")
    assert limiter.retry_after_s("k") == 0
