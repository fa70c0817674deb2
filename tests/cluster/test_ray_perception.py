"""Shared perception in cluster mode (`VIGIL_RAY_PERCEPTION_ACTORS=1`): two file cameras' actors send their
frames and sound to one perception actor on a local Ray cluster (a head, two workers), with real Redis and
one SQLite database.

- both cameras are analysed, by the shared actor: it has answered jobs of both, and has run frames of the
  two cameras in the same call;
- the scream camera's sound, analysed there too, opens its distress incident;
- the perception actor is killed: Ray starts it again and both cameras are analysed by its next life.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.alerts.support import redis_server
from tests.cluster.ray_support import admin_with_dashboard, cluster_settings, until
from tests.media import make_clip, scream_clip
from tests.servers.live_server import LiveServer, live_server
from vigil.cluster import ray_env
from vigil.cluster.local import local_cluster
from vigil.cluster.ray_perception import actor_name

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture
async def shared_perception_api(tmp_path: Path) -> AsyncIterator[LiveServer]:
    scream_clip(tmp_path)  # tmp_path/videos/scream.mp4
    make_clip(tmp_path / "videos" / "quiet.mp4", seconds=4.0)
    with (
        redis_server() as redis_port,
        local_cluster(tmp_path / "ray-home", workers=2, slots=2) as (cluster, _workers),
    ):
        settings = cluster_settings(
            tmp_path,
            redis_port,
            cluster.address,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}",
            ray_perception_actors=1,
            ray_batch_window_ms=150,  # two cameras at 4 fps: some frames of both arrive within it
        )
        async with live_server(settings) as server:
            yield server


async def test_one_perception_actor_serves_both_cameras_and_comes_back_after_it_is_killed(
    tmp_path: Path, shared_perception_api: LiveServer
) -> None:
    server = shared_perception_api
    import ray

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        dashboard = await admin_with_dashboard(client, server.url)

        camera_ids = []
        for name in ("scream", "quiet"):
            created = await client.post(
                "/api/v1/cameras",
                json={
                    "name": name,
                    "kind": "file",
                    "url": str(tmp_path / "videos" / f"{name}.mp4"),
                    "analysis_fps": 4,
                },
            )
            assert created.status_code == 201, created.text
            camera_ids.append(created.json()["id"])
        scream_id = camera_ids[0]

        async def both_analysed() -> bool:
            for camera_id in camera_ids:
                state = (await client.get(f"/api/v1/cameras/{camera_id}/health")).json()
                if state.get("state") != "streaming" or state.get("fps_analysed", 0) <= 0:
                    return False
            return True

        await until(both_analysed, "both cameras streaming and analysed", 150)
        perception = await asyncio.to_thread(ray.get_actor, actor_name(0), ray_env.NAMESPACE)

        async def stats() -> dict[str, Any]:
            answer: dict[str, Any] = await asyncio.wait_for(perception.stats.remote(), 10)
            return answer

        async def served_both_in_one_call() -> bool:
            seen = await stats()
            return set(seen["jobs_by_source"]) == {str(i) for i in camera_ids} and seen["mixed_batches"] > 0

        await until(
            served_both_in_one_call, "the perception actor running both cameras' frames in one call", 60
        )

        async def distress_heard() -> bool:
            return any(e["event"] == "opened" and e["label"] == "distress" for e in dashboard.incidents)

        await until(distress_heard, "the scream's distress incident", 120)
        heard = next(e for e in dashboard.incidents if e["event"] == "opened" and e["label"] == "distress")
        assert heard["camera_id"] == scream_id

        # the perception actor dies: Ray starts it again, and its next life analyses both cameras
        first_life = (await stats())["started_at"]
        await asyncio.to_thread(ray.kill, perception, no_restart=False)

        async def next_life_serves_both() -> bool:
            try:
                seen = await stats()
            except (TimeoutError, ray.exceptions.RayError):
                return False  # still restarting
            reborn = seen["started_at"] != first_life
            return reborn and set(seen["jobs_by_source"]) == {str(i) for i in camera_ids}

        await until(next_life_serves_both, "the restarted perception actor analysing both cameras", 120)
        await until(both_analysed, "both cameras analysed again", 60)
        print(f"\nthe perception actor's next life so far: {await stats()}")
        await dashboard.client.disconnect()
        for camera_id in camera_ids:
            assert (await client.delete(f"/api/v1/cameras/{camera_id}")).status_code == 204
