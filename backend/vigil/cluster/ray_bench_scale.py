"""`python -m vigil.cluster.ray_bench_scale VIDEO` (in `make bench` with the `cluster` extra): how cluster
mode spreads on this machine. Prints two tables naming the machine and its load.

- **incident fan-out across API nodes**: two `vigil serve` processes sharing one Redis and one database
  (node B with `VIGIL_RUN_CAMERAS=false`), a dashboard's socket.io client on each. Incidents are emitted
  into a camera's room through socket.io's Redis manager, as node A's recorder and a camera's Ray actor
  emit them (every emit, the emitting node's own included, goes through Redis, and each API node hands it
  to its own connections): milliseconds from the emit to each client, median and p95.
- **cameras held per node, one node then two**: the product's camera actors (`RayCameraSupervisor`, a
  camera's unit and its models inside its actor) on a local Ray cluster (a head holding no camera, one
  worker node, then two), file cameras of VIDEO at 5 analysed fps, added one per node at a time: each
  camera's analysed fps and frames dropped over the measured seconds. A node holds N cameras when all of
  them are analysed at >= 4.5 fps; the ramp stops at the first count not held. Run with the default
  models and again with `VIGIL_POSE_ENABLED=false`.

Everything listens on 127.0.0.1; the Ray nodes run with Vigil's quiet environment (`ray_env`). Needs
`redis-server` on PATH (Debian's `redis-server`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from vigil.cli.bench import machine, table
from vigil.cli.bench_processes import LOOPBACK, api_node, load, percentiles, redis_server, sign_in_first_admin
from vigil.cluster import ray_env
from vigil.cluster.local import local_cluster

HELD_FPS = 4.5
ANALYSIS_FPS = 5.0


# ---- incident fan-out across API nodes -------------------------------------------------------------


async def fan_out(video: Path, incidents: int) -> list[list[object]]:
    """Rows (client's node, incidents received, median ms, p95 ms) of the fan-out run."""
    import socketio

    from vigil.api.live import camera_room

    light = {"VIGIL_POSE_ENABLED": "false", "VIGIL_FACES_ENABLED": "false", "VIGIL_SPEECH_ENABLED": "false"}
    with tempfile.TemporaryDirectory(prefix="vigil-fanout-") as folder, redis_server() as redis_url:
        shared = {
            **light,
            "VIGIL_SECRET_KEY": "bench-" + secrets.token_hex(24),
            "VIGIL_DATABASE_URL": f"sqlite+aiosqlite:///{Path(folder) / 'shared.db'}",
            "REDIS_URL": redis_url,
            "VIGIL_LIVE_REDIS": "true",
            "VIGIL_FILE_ROOTS": str(video.parent),
            "VIGIL_ANALYSIS_WORKERS": "1",
        }
        with (
            api_node(Path(folder) / "a", shared) as a,
            api_node(Path(folder) / "b", {**shared, "VIGIL_RUN_CAMERAS": "false"}) as b,
        ):
            async with httpx.AsyncClient(base_url=a, timeout=30) as client:
                token = await sign_in_first_admin(client)
                # a camera the dashboards are in the room of; switched off, so nothing else runs
                camera = await client.post(
                    "/api/v1/cameras",
                    json={"name": "Fan-out", "kind": "file", "url": str(video), "enabled": False},
                )
                camera.raise_for_status()
                camera_id = int(camera.json()["id"])

            arrivals: dict[str, dict[int, float]] = {"A": {}, "B": {}}
            clients = {}
            for node, url in (("A", a), ("B", b)):
                sio = socketio.AsyncClient(reconnection=False)

                def record(data: dict[str, Any], node: str = node) -> None:
                    arrivals[node][int(data["incident_id"])] = time.perf_counter()

                sio.on("incident", record)
                await sio.connect(url, auth={"token": token}, transports=["websocket"])
                clients[node] = sio
            emitter = socketio.AsyncRedisManager(redis_url, write_only=True)
            sent: dict[int, float] = {}
            warm_up = 3
            try:
                for number in range(-warm_up, incidents):
                    payload = {
                        "event": "opened",
                        "incident_id": number,
                        "camera_id": camera_id,
                        "label": "bench",
                    }
                    sent[number] = time.perf_counter()
                    await emitter.emit("incident", payload, room=camera_room(camera_id))
                    await asyncio.sleep(0.2)
                await asyncio.sleep(1.0)
            finally:
                for sio in clients.values():
                    await sio.disconnect()
                with contextlib.suppress(Exception):
                    await emitter.redis.aclose()
    rows: list[list[object]] = []
    for node, arrived in arrivals.items():
        samples = [(arrived[n] - sent[n]) * 1000 for n in range(incidents) if n in arrived]
        median, p95 = percentiles(samples) if samples else (float("nan"), float("nan"))
        where = f"{node} (Redis → node {node} → its client)"
        rows.append([where, f"{len(samples)}/{incidents}", f"{median:.1f} ms", f"{p95:.1f} ms"])
    return rows


# ---- cameras held per node -------------------------------------------------------------------------


@dataclass
class Step:
    mode: str
    nodes: int
    per_node: int
    fps: list[float] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    placement: list[int] = field(default_factory=list)  # cameras on each worker node

    @property
    def held(self) -> bool:
        return bool(self.fps) and min(self.fps) >= HELD_FPS


class Site:
    """A database with one owner, the Redis the actors publish to, and the camera rows the ramps add."""

    def __init__(self, folder: Path, redis_url: str, address: str) -> None:
        self.folder = folder
        self.redis_url = redis_url
        self.address = address
        self.database_url = f"sqlite+aiosqlite:///{folder / 'cluster.db'}"
        self.owner_id: Any = None

    async def open(self) -> None:
        from vigil.db.engine import make_engine, make_session_factory
        from vigil.db.migrate import upgrade_to_head_async
        from vigil.db.tables import User
        from vigil.domain import Role

        await upgrade_to_head_async(self.database_url)
        self.engine = make_engine(self.database_url)
        self.sessions = make_session_factory(self.engine)
        async with self.sessions() as db:
            owner = User(
                email="bench@example.com",
                hashed_password="!",  # noqa: S106 (no password: nobody logs in as the cameras' owner)
                role=Role.ADMIN,
                is_superuser=True,
            )
            db.add(owner)
            await db.commit()
            self.owner_id = owner.id

    def settings(self, video: Path, pose: bool) -> Any:
        from vigil.settings import Settings

        return Settings(
            _env_file=None,
            data_dir=self.folder / "data",
            secret_key="bench-" + secrets.token_hex(24),
            database_url=self.database_url,
            redis_url=self.redis_url,
            live_redis=True,
            ray_address=self.address,
            node_ip=LOOPBACK,
            file_roots=str(video.parent),
            pose_enabled=pose,
            speech_enabled=False,
        )

    async def add_cameras(self, video: Path, count: int) -> list[Any]:
        """`count` new file cameras of `video` at 5 analysed fps; their profiles."""
        from vigil.api.pipelines import profile_of
        from vigil.db.tables import Camera
        from vigil.domain import SourceKind

        cameras = [
            Camera(
                name=f"bench-{index}",
                kind=SourceKind.FILE,
                url=str(video),
                analysis_fps=ANALYSIS_FPS,
                owner_id=self.owner_id,
            )
            for index in range(count)
        ]
        async with self.sessions() as db:
            db.add_all(cameras)
            await db.commit()
        return [profile_of(camera) for camera in cameras]


async def _health(handle: Any) -> Any:
    return await asyncio.wait_for(handle.health.remote(), 15)


async def measure(supervisor: Any, camera_ids: list[int], seconds: float) -> tuple[list[float], list[int]]:
    """Each camera's mean analysed fps (its health's 3 s rate, sampled every second) and frames dropped
    over `seconds`, once every camera has been analysed (its models loaded; at most 120 s)."""
    handles = {camera_id: await supervisor.actor(camera_id) for camera_id in camera_ids}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        states = [await _health(handle) for handle in handles.values()]
        if all(s is not None and s.fps_analysed > 0 for s in states):
            break
        await asyncio.sleep(1.0)
    await asyncio.sleep(4.0)  # the 3 s rate window filled after the first frames
    dropped_before = {camera_id: (await _health(h)).frames_dropped for camera_id, h in handles.items()}
    samples: dict[int, list[float]] = {camera_id: [] for camera_id in camera_ids}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await asyncio.sleep(1.0)
        for camera_id, handle in handles.items():
            state = await _health(handle)
            samples[camera_id].append(state.fps_analysed if state is not None else 0.0)
    dropped = [(await _health(h)).frames_dropped - dropped_before[c] for c, h in handles.items()]
    return [statistics.mean(samples[c]) for c in camera_ids], dropped


async def ramp(
    site: Site, video: Path, mode: str, pose: bool, nodes: int, per_node_max: int, seconds: float
) -> list[Step]:
    """Cameras added `nodes` at a time (one more per node), measured after each addition, until a count is
    not held; then every camera of the ramp removed."""
    from vigil.cluster.units import RayCameraSupervisor
    from vigil.ingest.health import HealthRegistry

    supervisor = RayCameraSupervisor(site.settings(video, pose), HealthRegistry())
    camera_ids: list[int] = []
    steps: list[Step] = []
    try:
        for per_node in range(1, per_node_max + 1):
            profiles = await site.add_cameras(video, nodes)
            await supervisor.start(profiles)
            camera_ids += [profile.camera_id for profile in profiles]
            step = Step(mode, nodes, per_node)
            step.fps, step.dropped = await measure(supervisor, camera_ids, seconds)
            where: dict[str, int] = {}
            for camera_id in camera_ids:
                handle = await supervisor.actor(camera_id)
                node = await asyncio.wait_for(handle.node_id.remote(), 30) if handle is not None else "gone"
                where[node] = where.get(node, 0) + 1
            step.placement = sorted(where.values(), reverse=True)
            steps.append(step)
            print(
                f"  {mode}, {nodes} node(s), {per_node}/node: fps {[round(f, 2) for f in step.fps]}",
                flush=True,
            )
            if not step.held:
                break
    finally:
        for camera_id in camera_ids:
            await supervisor.remove(camera_id)
    return steps


async def held_per_node(video: Path, per_node_max: int, seconds: float, modes: list[str]) -> list[Step]:
    steps: list[Step] = []
    with (
        tempfile.TemporaryDirectory(prefix="vigil-held-") as folder,
        redis_server() as redis_url,
        local_cluster(Path(folder) / "ray-home", workers=1, slots=per_node_max) as (cluster, _nodes),
    ):
        site = Site(Path(folder), redis_url, cluster.address)
        await site.open()
        try:
            for nodes in (1, 2):
                if nodes == 2:
                    with ray_env.quiet_environment(Path(folder) / "ray-home"):
                        cluster.add_node(
                            node_ip_address=LOOPBACK, num_cpus=2, resources={"camera_slot": per_node_max}
                        )
                        cluster.wait_for_nodes()
                for mode in modes:
                    steps += await ramp(
                        site, video, mode, mode == "default models", nodes, per_node_max, seconds
                    )
        finally:
            await site.engine.dispose()
            import ray

            ray.shutdown()
    return steps


def held_rows(steps: list[Step]) -> list[list[object]]:
    rows: list[list[object]] = []
    for step in steps:
        rows.append(
            [
                step.mode,
                step.nodes,
                f"{step.per_node} ({'+'.join(map(str, step.placement))})",
                " / ".join(f"{fps:.2f}" for fps in step.fps),
                sum(step.dropped),
                "yes" if step.held else "no",
            ]
        )
    return rows


def summary(steps: list[Step]) -> list[str]:
    lines = []
    for mode in dict.fromkeys(step.mode for step in steps):
        for nodes in (1, 2):
            held = [s.per_node for s in steps if s.mode == mode and s.nodes == nodes and s.held]
            lines.append(f"- {mode}, {nodes} node(s): {max(held) if held else 0} camera(s) held per node")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("video", type=Path, help="the file the cameras play (make bench: the plaza scenario)")
    parser.add_argument("--incidents", type=int, default=40, help="incidents emitted for the fan-out")
    parser.add_argument("--per-node", type=int, default=3, help="the most cameras per node the ramp tries")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per ramp step")
    parser.add_argument(
        "--modes",
        default="default models,pose off",
        help="comma-separated: `default models`, `pose off` (VIGIL_POSE_ENABLED=false)",
    )
    args = parser.parse_args()
    video = args.video.resolve()
    if not video.is_file():
        raise SystemExit(f"no such video: {video}")
    started = time.monotonic()
    print(f"\n# Cluster mode at scale (`python -m vigil.cluster.ray_bench_scale`) on {machine()}")
    print(f"start: {load()}")
    fan = asyncio.run(fan_out(video, args.incidents))
    print(
        table(
            f"Incident fan-out across two API nodes: {args.incidents} incidents emitted into a camera's room "
            f"through socket.io's Redis manager, as node A's recorder and camera actors emit ({load()})",
            ["client on node", "received", "median", "p95"],
            fan,
        )
    )
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    steps = asyncio.run(held_per_node(video, args.per_node, args.seconds, modes))
    print(
        table(
            f"Cameras held per node: file cameras at {ANALYSIS_FPS:g} analysed fps, held = all >= "
            f"{HELD_FPS} fps, {args.seconds:g} s measured per step ({load()})",
            [
                "models",
                "worker nodes",
                "cameras per node (placed)",
                "analysed fps per camera",
                "dropped",
                "held",
            ],
            held_rows(steps),
        )
    )
    print("\n".join(summary(steps)))
    print(f"\nwhole run: {time.monotonic() - started:.0f} s; end: {load()}")


if __name__ == "__main__":
    main()
