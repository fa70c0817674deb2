"""Ray for Vigil, with nothing phoning home: every Ray process Vigil starts or joins gets this environment.

Ray's defaults reach outside the machine in three ways, and none is turned off by `RAY_USAGE_STATS_ENABLED=0`
alone (checked with strace: tests/cluster/test_ray_quiet.py):
- the head's dashboard process (started even with `include_dashboard=False`, then with only its usage
  module) probes the cloud metadata address 169.254.169.254 and resolves `metadata.google.internal` unless
  `~/ray_bootstrap_config.yaml` exists, and with usage stats off still posts a "disabled" report to
  usage-stats.ray.io. Ray has no setting for the probe: the head's processes get a `HOME` holding an empty
  bootstrap config (`quiet_home`); the report goes to `RAY_USAGE_STATS_REPORT_URL`, which Vigil sets to a
  scheme no HTTP client opens, so it fails before any socket is made.
- a process that needs its own address and was not told it (the driver given a loopback address, each
  node's runtime-env agent, which only prints it) asks the kernel which interface routes to 8.8.8.8 (a
  UDP connect). Vigil gives every node `--node-ip-address` and the driver `_node_ip_address`, and sets
  `RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0` in the Ray processes' environment *after* importing Ray in the
  process that starts them: their fallback is then loopback instead of the probe. (Ray reads that switch
  at import; in the starting process itself it would refuse to join a worker node to a head.)
- Ray turns a loopback address it is given into the machine's own address (`resolve_ip_for_localhost`),
  announcing that instead; with the switch above it stays loopback, which is what a one-machine cluster
  (and the tests) must announce.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

NAMESPACE = "vigil"
# what every Ray process of Vigil's gets (the nodes' own processes, and the actors through runtime_env)
QUIET_ENV: Mapping[str, str] = {
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_USAGE_STATS_REPORT_URL": "vigil-disabled://usage-stats",  # no connection adapter: fails at once
    "RAY_USAGE_STATS_PROMPT_ENABLED": "0",
}
LOOPBACK_FALLBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}  # set after `import ray` (module docstring)
BOOTSTRAP_CONFIG = "ray_bootstrap_config.yaml"
# Set on the head, shared by every node. Health checks: a node that misses 3 in a row, 1 s apart, is dead
# (Ray's default is 5 misses 3 s apart, plus a 10 s timeout each), so a dead node's cameras start elsewhere
# within the 15 s bound. Worker niceness: Ray starts its workers at nice 15 (batch work that must not slow
# the node's own processes); a camera unit is the node's work, and at nice 15 anything else on the machine
# delays its frames and its restart. Preloading: a worker Ray starts ahead of need (when a node starts)
# has imported the camera actor's code before an actor lands on it.
HEAD_SYSTEM_CONFIG: Mapping[str, object] = {
    "health_check_period_ms": 1000,
    "health_check_timeout_ms": 1000,
    "health_check_failure_threshold": 3,
    "worker_niceness": 0,
    "preload_python_modules": ["vigil.cluster.ray_unit"],
}


def quiet_home(folder: Path) -> Path:
    """A `HOME` for the head's processes holding an empty bootstrap config, so Ray's dashboard reads it
    instead of probing the cloud metadata address for what cloud it runs on."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / BOOTSTRAP_CONFIG
    if not config.is_file():
        config.write_text("# written by Vigil: Ray reads this instead of asking cloud metadata servers\n{}\n")
    return folder


def prepare_process(home: Path | None = None) -> None:
    """Before `import ray` in a process that starts or joins Ray nodes: the quiet environment for itself
    and (inherited) for every node process it starts. `home`: the head's `HOME` (`quiet_home`)."""
    os.environ.update(QUIET_ENV)
    if home is not None:
        os.environ["HOME"] = str(quiet_home(home))


def import_ray(fallback_here: bool = True) -> Any:
    """Ray, imported with the quiet environment; the Ray processes started from here on fall back to
    loopback for an address nobody told them, and so does this one unless `fallback_here` is false (the
    process that runs `ray start` for a worker node: Ray refuses to join one with the switch set)."""
    prepare_process()
    if fallback_here:
        os.environ.update(LOOPBACK_FALLBACK)
    import ray

    os.environ.update(LOOPBACK_FALLBACK)
    return ray


def runtime_env() -> dict[str, Any]:
    """Passed with every actor, so its worker process runs quiet wherever Ray starts it."""
    return {"env_vars": {**QUIET_ENV, **LOOPBACK_FALLBACK}}


def connect(address: str, node_ip: str) -> None:
    """Join the Ray cluster at `address` as a driver (an API node), announcing `node_ip`; idempotent."""
    ray = import_ray()
    if ray.is_initialized():
        return
    ray.init(
        address=address,
        namespace=NAMESPACE,
        _node_ip_address=node_ip,
        runtime_env=runtime_env(),
        include_dashboard=False,
        log_to_driver=False,
        logging_level="WARNING",
    )


def node_command(
    node_ip: str, camera_slots: int, head: bool, address: str = "", port: int = 6379, cpus: int | None = None
) -> list[str]:
    """`ray start` arguments for a Vigil node: its address given, no dashboard, `camera_slot` resources."""
    args = [
        "start",
        "--block",
        f"--node-ip-address={node_ip}",
        f'--resources={{"camera_slot": {camera_slots}}}',
        "--disable-usage-stats",
    ]
    if cpus is not None:
        args.append(f"--num-cpus={cpus}")
    if head:
        config = json.dumps(dict(HEAD_SYSTEM_CONFIG))
        args += ["--head", f"--port={port}", "--include-dashboard=false", f"--system-config={config}"]
    else:
        args.append(f"--address={address}")
    return args


class NodeAddressError(ValueError):
    pass


def run_node(args: list[str], home: Path, node_ip: str, head: bool) -> None:
    """`vigil ray-node`: Ray's own `ray start`, in this process, with the quiet environment.

    A loopback node address is kept as given only where the loopback fallback can be on in this process
    too: on the head. A worker node's `ray start` refuses the switch, and without it Ray would swap a
    loopback address for the machine's own (found by the UDP connect to 8.8.8.8), so a worker node needs
    the machine's real address (a one-machine cluster with every node on loopback is what the tests
    start, in-process, with `ray.cluster_utils`)."""
    loopback = ipaddress.ip_address(node_ip).is_loopback
    if loopback and not head:
        raise NodeAddressError(
            f"VIGIL_NODE_IP={node_ip} is loopback: a worker node must announce an address the head "
            "reaches (Ray would otherwise replace it with this machine's own, found through 8.8.8.8)"
        )
    prepare_process(home)
    import_ray(fallback_here=head)
    from ray.scripts.scripts import cli

    cli.main(args, prog_name="ray", standalone_mode=True)


@contextmanager
def quiet_environment(home: Path) -> Iterator[None]:
    """For tests that start nodes in-process (`ray.cluster_utils.Cluster`): the quiet environment while
    they start, the caller's restored after."""
    saved = dict(os.environ)
    prepare_process(home)
    os.environ.update(LOOPBACK_FALLBACK)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
