"""What the pool does after a worker died: when to restart it, and which model to set aside. Pure logic.

- Every crash restarts the pool after a delay that doubles while crashes follow each other without a
  result in between (1 s, 2 s, 4 s ... capped at 30 s), and starts again at 1 s after a result.
- A crash is blamed on the model the dead worker was running (its `LastWords`). A model blamed
  `crashes_to_set_aside` times within `window_s` is set aside: the workers stop loading it and the other
  models keep running. A model whose loading raised an exception is set aside at once (loading the same
  file again gives the same error). A worker that died idle (killed from outside) blames nobody.
"""

from __future__ import annotations

import signal
from collections import deque
from dataclasses import dataclass, field

from vigil.pipeline.beacon import LastWords


@dataclass(frozen=True)
class RestartPolicy:
    first_delay_s: float = 1.0
    max_delay_s: float = 30.0
    crashes_to_set_aside: int = 3
    window_s: float = 300.0


def describe_exit(exitcode: int | None) -> str:
    if exitcode is None:
        return "died"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


@dataclass(frozen=True)
class Crash:
    exitcode: int | None
    words: LastWords | None


_PHASES = {
    "start": "starting",
    "idle": "idle",
    "frames": "analysing frames",
    "audio": "analysing sound",
    "speech": "transcribing speech",
}


def _doing(words: LastWords | None) -> str:
    if words is None:
        return "doing nothing we know of"
    doing = _PHASES.get(words.phase, words.phase or "starting")
    if words.model:
        file = f" ({words.model_file})" if words.model_file else ""
        doing += f", in the {words.model} model{file}"
    return doing


@dataclass
class CrashBook:
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    streak: int = 0  # crashes since the last result
    last_crash: str | None = None
    set_aside: dict[str, str] = field(default_factory=dict)  # model (or "frames"/"audio") → why
    _strikes: dict[str, deque[float]] = field(default_factory=dict)

    def crashed(self, now_s: float, crashes: list[Crash]) -> float:
        """Record the death of one pool generation's workers; returns the delay before the restart."""
        self.streak += 1
        self.last_crash = (
            "; ".join(f"a model worker {describe_exit(c.exitcode)} while {_doing(c.words)}" for c in crashes)
            or "a model worker died"
        )
        for crash in crashes:
            self._blame(now_s, crash.words)
        delay = self.policy.first_delay_s * 2 ** (self.streak - 1)
        return float(min(self.policy.max_delay_s, delay))

    def succeeded(self) -> None:
        self.streak = 0

    def _blame(self, now_s: float, words: LastWords | None) -> None:
        if words is None or words.phase == "idle":
            return
        name = words.model or (words.phase if words.phase in ("frames", "audio", "speech") else "")
        if not name or name in self.set_aside:
            return
        file = f" ({words.model_file})" if words.model_file else ""
        if words.phase == "start" and words.error:
            self.set_aside[name] = f"the {name} model{file} is set aside: it could not load ({words.error})"
            return
        strikes = self._strikes.setdefault(name, deque())
        strikes.append(now_s)
        while strikes and strikes[0] < now_s - self.policy.window_s:
            strikes.popleft()
        if len(strikes) >= self.policy.crashes_to_set_aside:
            self.set_aside[name] = (
                f"the {name} model{file} is set aside: it crashed its worker {len(strikes)} times within "
                f"{self.policy.window_s:.0f} s while {_PHASES.get(words.phase, words.phase)}; "
                "the other models keep running (restart the server once it is fixed)"
            )
