"""Cluster mode sends nothing off this machine: a local Ray cluster started as the tests start it (and as
`vigil ray-node` does: `vigil.cluster.ray_env`), joined by a driver, running one actor, under strace; every
`connect` and `send` of every process must stay on loopback or Unix sockets, with no DNS query. Without
Vigil's environment Ray probes 169.254.169.254, resolves metadata.google.internal and connects to 8.8.8.8
(see ray_env's docstring)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_nothing_phones_home import STRACE, outbound_calls

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

REPO = Path(__file__).resolve().parents[2]


def test_a_local_ray_cluster_and_an_actor_stay_on_loopback(tmp_path: Path) -> None:
    if shutil.which(STRACE) is None:
        pytest.fail("strace is not installed: run scripts/ci/install-system-deps.sh")
    trace = tmp_path / "strace.txt"
    calls = "trace=connect,sendto,sendmsg,sendmmsg"
    command = [STRACE, "-f", "--seccomp-bpf", "-e", calls, "-o", str(trace)]
    command += [sys.executable, "-m", "tests.cluster.quiet_cluster", str(tmp_path / "ray-home")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=200, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "actor ran on" in done.stdout
    text = trace.read_text(errors="replace")
    assert "connect(" in text  # the nodes' own loopback traffic: the trace is real
    leaks = outbound_calls(text)
    assert leaks == [], "traffic off this machine:\n" + "\n".join(o.line for o in leaks[:20])
