"""Cluster mode: four file cameras as Ray actors on a local cluster of three nodes (a head holding no camera,
two workers), one API node (in this process, `VIGIL_RAY_ADDRESS` set), real Redis, one SQLite database.

- every camera is analysed by exactly one actor, spread over both workers, and an API node applying every
  camera again (as a second node does when it starts) makes no second one;
- the scream camera's incident, raised on a worker node, reaches a socket.io client of the API node and is
  stored once;
- a worker node is killed: its cameras stream again on the other (the product's bound is 15 s; this test
  only tells a camera that comes back from one that does not, within 60 s, because a loaded CI machine
  is slower; the time it took is printed here and measured by `make bench` into docs/performance.md).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from tests.alerts.support import redis_server
from tests.cluster.ray_support import local_cluster
from tests.conftest import PASSWORD, make_settings
from tests.media import make_clip, scream_clip
from tests.servers.live_server import LiveServer, live_server
from vigil.api.runtime import Runtime
from vigil.cluster.units import ACTOR_PREFIX, RayCameraSupervisor

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

COMES_BACK_S = 60.0  # not the product's 15 s bound: see the module's docstring
ADMIN = "admin@example.com"


class Dashboard:
    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.incidents: list[dict[str, Any]] = []
        self.client.on("incident", self._on_incident)

    async def _on_incident(self, data: dict[str, Any]) -> None:
        self.incidents.append(data)


async def until(probe: Any, what: str, timeout_s: float) -> float:
    """Seconds it took `probe()` to answer true; fails after `timeout_s`."""
    start = time.monotonic()
    while not await probe():
        if time.monotonic() - start > timeout_s:
            pytest.fail(f"waited {timeout_s} s for {what}")
        await asyncio.sleep(0.25)
    return time.monotonic() - start


@pytest.fixture
async def cluster_api(tmp_path: Path) -> AsyncIterator[tuple[LiveServer, Any, list[Any]]]:
    videos = tmp_path / "videos"
    scream_clip(tmp_path)  # tmp_path/videos/scream.mp4
    for index in range(3):
        make_clip(videos / f"quiet-{index}.mp4", seconds=4.0)
    with (
        redis_server() as redis_port,
        local_cluster(tmp_path / "ray-home", workers=2, slots=4) as (cluster, workers),
    ):
        settings = make_settings(
            tmp_path,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}",
            redis_url=f"redis://127.0.0.1:{redis_port}/0",
            live_redis=True,
            ray_address=cluster.address,
            node_ip="127.0.0.1",
            pose_enabled=False,
            faces_enabled=False,
            speech_enabled=False,
        )
        async with live_server(settings) as server:
            yield server, cluster, workers


async def actors_by_camera(supervisor: RayCameraSupervisor, camera_ids: list[int]) -> dict[int, str]:
    """Each camera's actor's node (Ray's own answer, from inside the actor)."""
    found = {}
    for camera_id in camera_ids:
        handle = await supervisor.actor(camera_id)
        assert handle is not None, f"camera {camera_id} has no actor"
        found[camera_id] = await asyncio.wait_for(handle.node_id.remote(), 60)
    return found


async def test_cameras_run_once_on_the_cluster_and_move_when_a_node_dies(
    tmp_path: Path, cluster_api: tuple[LiveServer, Any, list[Any]]
) -> None:
    server, _cluster, workers = cluster_api
    runtime: Runtime = server.app.state.runtime
    supervisor = runtime.pipelines
    assert isinstance(supervisor, RayCameraSupervisor)
    assert len(runtime.units) == 0  # the API node runs no unit of its own
    import ray

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        made = await client.post("/api/v1/auth/register", json={"email": ADMIN, "password": PASSWORD})
        assert made.status_code == 201, made.text
        login = await client.post("/api/v1/auth/jwt/login", data={"username": ADMIN, "password": PASSWORD})
        token = login.json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        dashboard = Dashboard()
        await dashboard.client.connect(server.url, auth={"token": token}, transports=["websocket"])

        names = ["scream", "quiet-0", "quiet-1", "quiet-2"]
        camera_ids = []
        for name in names:
            created = await client.post(
                "/api/v1/cameras",
                json={
                    "name": name,
                    "kind": "file",
                    "url": str(tmp_path / "videos" / f"{name}.mp4"),
                    "analysis_fps": 2,
                },
            )
            assert created.status_code == 201, created.text
            camera_ids.append(created.json()["id"])
        scream_id = camera_ids[0]

        async def health(camera_id: int) -> dict[str, Any]:
            answer: dict[str, Any] = (await client.get(f"/api/v1/cameras/{camera_id}/health")).json()
            return answer

        async def all_streaming() -> bool:
            states = [await health(camera_id) for camera_id in camera_ids]
            return all(s.get("state") == "streaming" and s.get("fps_analysed", 0) > 0 for s in states)

        await until(all_streaming, "the four cameras streaming and analysed", 150)

        # exactly one actor per camera, spread over both workers, and none on the head
        named = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)]
        assert sorted(n for n in named if n.startswith(ACTOR_PREFIX)) == sorted(
            f"{ACTOR_PREFIX}{camera_id}" for camera_id in camera_ids
        )
        placed = await actors_by_camera(supervisor, camera_ids)
        worker_ids = {node.node_id for node in workers}
        assert set(placed.values()) == worker_ids
        # a second API node starting applies every camera again: the same actors, no new one
        async with runtime.session_factory() as db:
            from vigil.api.pipelines import profile_of
            from vigil.db.tables import Camera

            profiles = [profile_of(await db.get(Camera, camera_id)) for camera_id in camera_ids]
        second = RayCameraSupervisor(runtime.settings, runtime.health)
        await second.start(profiles)
        assert await actors_by_camera(second, camera_ids) == placed
        named_again = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)]
        assert sorted(named_again) == sorted(named)

        # the scream, analysed on a worker, reaches the API node's socket.io client, stored once
        async def distress_heard() -> bool:
            return any(e["event"] == "opened" and e["label"] == "distress" for e in dashboard.incidents)

        await until(distress_heard, "the scream's distress incident on the dashboard", 120)
        heard = next(e for e in dashboard.incidents if e["event"] == "opened" and e["label"] == "distress")
        assert heard["camera_id"] == scream_id
        stored = await client.get(f"/api/v1/incidents/{heard['incident_id']}")
        assert stored.status_code == 200
        assert stored.json()["camera_id"] == scream_id

        # the worker holding the scream camera dies: its cameras stream again on the other one
        doomed = next(node for node in workers if node.node_id == placed[scream_id])
        survivor = next(node for node in workers if node is not doomed)
        moved = [camera_id for camera_id, node in placed.items() if node == doomed.node_id]
        killed_at = time.monotonic()
        _cluster.remove_node(doomed, allow_graceful=False)

        async def restarted() -> bool:
            for camera_id in moved:
                handle = await supervisor.actor(camera_id)
                try:
                    node = await asyncio.wait_for(handle.node_id.remote(), 2) if handle else None
                except (TimeoutError, ray.exceptions.RayError):
                    return False
                if node != survivor.node_id:
                    return False
            return True

        async def streaming() -> bool:
            for camera_id in moved:
                handle = await supervisor.actor(camera_id)
                state = await asyncio.wait_for(handle.health.remote(), 5) if handle else None
                if state is None or state.fps_analysed <= 0:
                    return False
            return True

        restart_s = await until(restarted, "the dead node's cameras' actors restarted on the other", 90)
        stream_s = await until(streaming, "the moved cameras streaming", 90)
        failover_s = time.monotonic() - killed_at
        print(
            f"\nfailover: {len(moved)} camera(s) restarted {restart_s:.1f} s and streaming "
            f"{failover_s:.1f} s after their node died ({stream_s:.1f} s from restart to streaming)"
        )
        assert failover_s <= COMES_BACK_S, f"failover took {failover_s:.1f} s (restart {restart_s:.1f} s)"
        assert (await actors_by_camera(supervisor, camera_ids)) == dict.fromkeys(camera_ids, survivor.node_id)

        # nothing doubled: the scream camera's incidents never start twice at the same moment
        page = (await client.get("/api/v1/incidents", params={"camera_id": scream_id, "limit": 200})).json()
        starts = sorted(
            datetime.fromisoformat(i["started_at"]).timestamp()
            for i in page["items"]
            if i["label"] == "distress"
        )
        assert starts, "the scream's incident was not stored"
        assert all(b - a > 1.0 for a, b in itertools.pairwise(starts)), starts
        await dashboard.client.disconnect()
        for camera_id in camera_ids:  # the actors are detached: delete the cameras so none outlives the test
            assert (await client.delete(f"/api/v1/cameras/{camera_id}")).status_code == 204
        left = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)]
        assert not [n for n in left if n.startswith(ACTOR_PREFIX)]
