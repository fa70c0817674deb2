"""Cluster mode on real servers: four RTSP cameras (GStreamer's test server, a mount each, on loopback) as Ray
actors on a local cluster of three nodes (a head holding no camera, two workers), one API node (in this
process, `VIGIL_RAY_ADDRESS` set), real Redis and one real PostgreSQL database, which the actors reach
through the `DATABASE_URL` of the settings they are given.

Two cameras show the plaza's scream looped every 8 s (a distress incident that stays open while the screams
keep coming), two a quiet stretch of the plaza (people walking, no sound event).

- every camera is analysed by exactly one actor, spread over both workers, and an API node applying every
  camera again (as a second node does when it starts) makes no second one;
- the screams, analysed on the worker nodes, reach the API node's socket.io client, and are stored;
- a worker node is killed: its cameras stream again on the other (the product's bound is 15 s; this test
  only tells a camera that comes back from one that does not, within 60 s, because a loaded CI machine
  is slower; the time it took is printed here and measured by `make bench` into docs/performance.md);
- no incident is lost or doubled across the kill, as the API's incident list and the dashboard show them:
  every incident listed before the kill is listed after it (same camera, label and start); those still
  open at the kill on the dead node's cameras are closed once, at their last update before the kill, and
  marked interrupted once; the other cameras' incidents are not touched; no camera has two incidents of
  one label at the same time; every listed incident was announced to the dashboard as opened exactly
  once, and every announced one is listed; the moved scream camera raises its incident again.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import itertools
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.alerts.support import redis_server
from tests.cluster.ray_support import admin_with_dashboard, cluster_settings, until
from tests.conftest import ON_POSTGRESQL
from tests.media import plaza, scream_clip
from tests.servers.live_server import LiveServer, live_server
from tests.servers.postgres import PostgresError, binaries
from tests.servers.rtsp import RtspCamera, unavailable
from vigil.api.runtime import Runtime
from vigil.cluster.local import local_cluster
from vigil.cluster.units import ACTOR_PREFIX, RayCameraSupervisor


def missing_services() -> str:
    """Why this test cannot run here ("" when it can): Ray, PostgreSQL or GStreamer's RTSP server absent."""
    if importlib.util.find_spec("ray") is None:
        return "Ray is not installed: pip install -e '.[cluster]'"
    try:
        binaries()
    except PostgresError as exc:
        return str(exc)
    return unavailable()


MISSING = missing_services()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(480),
    pytest.mark.skipif(bool(MISSING), reason=MISSING or "all there"),
    ON_POSTGRESQL,
]

COMES_BACK_S = 60.0  # not the product's 15 s bound: see the module's docstring
# created in this order; Ray's SPREAD alternates them over the two workers, so each holds a screaming one
FEEDS = ("scream-a", "scream-b", "quiet-a", "quiet-b")
SCREAMING = ("scream-a", "scream-b")


def quiet_clip(folder: Path) -> Path:
    """Seconds 30-38 of the plaza scenario (between the scream at 25-27 s and the glass at 50 s), cut without
    re-encoding (the RTSP server sends H.264 as it is), as `folder/videos/quiet.mp4`."""
    clip = folder / "videos" / "quiet.mp4"
    clip.parent.mkdir(parents=True, exist_ok=True)
    command = ["ffmpeg", "-loglevel", "error", "-y", "-ss", "30", "-i", str(plaza()), "-t", "8", "-c", "copy"]
    subprocess.run([*command, str(clip)], check=True, timeout=60)
    return clip


@dataclass
class Site:
    server: LiveServer
    cluster: Any
    workers: list[Any]
    cameras: dict[str, RtspCamera]


@pytest.fixture
async def site(tmp_path: Path, database: str) -> AsyncIterator[Site]:
    assert database == "postgresql"
    files = {"scream": scream_clip(tmp_path), "quiet": quiet_clip(tmp_path)}
    with contextlib.ExitStack() as stack:
        cameras = {
            name: stack.enter_context(RtspCamera(files[name.split("-")[0]], mount=f"/{name}"))
            for name in FEEDS
        }
        redis_port = stack.enter_context(redis_server())
        cluster, workers = stack.enter_context(local_cluster(tmp_path / "ray-home", workers=2, slots=4))
        # the database: VIGIL_DATABASE_URL, set by the `database` fixture
        settings = cluster_settings(tmp_path, redis_port, cluster.address)
        database_url = make_url(settings.resolved_database_url)
        assert (database_url.get_backend_name(), database_url.host) == ("postgresql", "127.0.0.1")
        async with live_server(settings) as server:
            yield Site(server, cluster, workers, cameras)


async def actors_by_camera(supervisor: RayCameraSupervisor, camera_ids: list[int]) -> dict[int, str]:
    """Each camera's actor's node (Ray's own answer, from inside the actor)."""
    found = {}
    for camera_id in camera_ids:
        handle = await supervisor.actor(camera_id)
        assert handle is not None, f"camera {camera_id} has no actor"
        found[camera_id] = await asyncio.wait_for(handle.node_id.remote(), 60)
    return found


def at(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


async def listed(client: httpx.AsyncClient) -> dict[int, dict[str, Any]]:
    """Every incident the admin sees in the incident list, by id (each id once)."""
    page = await client.get("/api/v1/incidents", params={"sort": "started_at", "limit": 500})
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    assert page.json()["total"] == len(items)
    by_id = {item["id"]: item for item in items}
    assert len(by_id) == len(items), "an incident listed twice"
    return by_id


def never_two_at_once(incidents: list[dict[str, Any]]) -> None:
    """No camera has two incidents of one label at the same time: each one ended before the next began."""
    by_kind: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for incident in incidents:
        by_kind.setdefault((incident["camera_id"], incident["label"]), []).append(incident)
    for kind, story in by_kind.items():
        story.sort(key=lambda i: at(i["started_at"]) or datetime.min.replace(tzinfo=UTC))
        for earlier, later in itertools.pairwise(story):
            ended = at(earlier["ended_at"])
            assert ended is not None, (kind, earlier, later)
            assert ended <= at(later["started_at"]), (kind, earlier, later)


async def test_rtsp_cameras_run_once_on_the_cluster_and_move_without_losing_or_doubling_incidents(
    site: Site,
) -> None:
    server, workers = site.server, site.workers
    runtime: Runtime = server.app.state.runtime
    supervisor = runtime.pipelines
    assert isinstance(supervisor, RayCameraSupervisor)
    assert len(runtime.units) == 0  # the API node runs no unit of its own
    import ray

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        dashboard = await admin_with_dashboard(client, server.url)

        ids: dict[str, int] = {}
        for name in FEEDS:
            created = await client.post(
                "/api/v1/cameras",
                json={"name": name, "kind": "rtsp", "url": site.cameras[name].url, "analysis_fps": 2},
            )
            assert created.status_code == 201, created.text
            ids[name] = created.json()["id"]
        camera_ids = list(ids.values())

        async def health(camera_id: int) -> dict[str, Any]:
            answer: dict[str, Any] = (await client.get(f"/api/v1/cameras/{camera_id}/health")).json()
            return answer

        async def all_streaming() -> bool:
            states = [await health(camera_id) for camera_id in camera_ids]
            return all(s.get("state") == "streaming" and s.get("fps_analysed", 0) > 0 for s in states)

        await until(all_streaming, "the four RTSP cameras streaming and analysed", 150)

        # exactly one actor per camera, spread over both workers, and none on the head
        named = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)]
        assert sorted(n for n in named if n.startswith(ACTOR_PREFIX)) == sorted(
            f"{ACTOR_PREFIX}{camera_id}" for camera_id in camera_ids
        )
        placed = await actors_by_camera(supervisor, camera_ids)
        assert set(placed.values()) == {node.node_id for node in workers}
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

        # both screams, analysed on the workers, reach the API node's socket.io client, and are stored
        screaming = {ids[name] for name in SCREAMING}

        async def distress_heard() -> bool:
            heard = {e["camera_id"] for e in dashboard.opened() if e["label"] == "distress"}
            return screaming <= heard

        await until(distress_heard, "both screams' distress incidents on the dashboard", 120)
        for event in dashboard.opened():
            stored = await client.get(f"/api/v1/incidents/{event['incident_id']}")
            assert stored.status_code == 200, stored.text
            assert stored.json()["camera_id"] == event["camera_id"]

        # the worker holding scream-a dies: its cameras stream again on the other one
        doomed = next(node for node in workers if node.node_id == placed[ids["scream-a"]])
        survivor = next(node for node in workers if node is not doomed)
        moved = [camera_id for camera_id, node in placed.items() if node == doomed.node_id]
        before = await listed(client)
        killed_wall = datetime.now(UTC)
        killed_at = time.monotonic()
        site.cluster.remove_node(doomed, allow_graceful=False)

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
            f"\nfailover: {len(moved)} RTSP camera(s) restarted {restart_s:.1f} s and streaming "
            f"{failover_s:.1f} s after their node died ({stream_s:.1f} s from restart to streaming)"
        )
        assert failover_s <= COMES_BACK_S, f"failover took {failover_s:.1f} s (restart {restart_s:.1f} s)"
        assert (await actors_by_camera(supervisor, camera_ids)) == dict.fromkeys(camera_ids, survivor.node_id)

        # the moved scream camera, in its new life on the survivor, raises its incident again
        async def screams_again() -> bool:
            return any(
                e["camera_id"] == ids["scream-a"] and e["incident_id"] not in before
                for e in dashboard.opened()
            )

        await until(screams_again, "the moved scream camera's new distress incident", 90)

        # nothing lost, nothing doubled: the incident list after the kill against the one before
        heard_before_listing = {e["incident_id"] for e in dashboard.opened()}
        after = await listed(client)
        assert heard_before_listing <= after.keys(), "an incident announced on the dashboard is not stored"
        for incident_id, was in before.items():
            now = after.get(incident_id)
            assert now is not None, f"incident {incident_id} listed before the kill is gone: {was}"
            assert (now["camera_id"], now["label"], now["started_at"]) == (
                was["camera_id"],
                was["label"],
                was["started_at"],
            )
            if was["ended_at"] is not None or was["camera_id"] not in moved:
                # closed before the kill, or its camera's node lived: untouched by the failover
                assert "interrupted" not in now["summary"], now
                if was["ended_at"] is not None:
                    assert now["ended_at"] == was["ended_at"], (was, now)
            else:  # open on the dead node: closed once, at its last update before the kill
                ended = at(now["ended_at"])
                assert ended is not None, now
                assert ended <= killed_wall, (killed_wall, now)
                assert now["summary"].count("interrupted") == 1, now
        left_open = [i for i in before.values() if i["ended_at"] is None and i["camera_id"] in moved]
        assert any(i["camera_id"] == ids["scream-a"] for i in left_open), (
            "no scream incident open at the kill"
        )
        if placed[ids["scream-b"]] == survivor.node_id:  # as SPREAD places them: the other node's scream
            assert any(
                i["camera_id"] == ids["scream-b"] and "interrupted" not in after[i["id"]]["summary"]
                for i in before.values()
            ), "the surviving node's scream incident was touched by the failover"
        interrupted = {i["id"] for i in after.values() if "interrupted" in i["summary"]}
        assert interrupted == {i["id"] for i in left_open}
        never_two_at_once(list(after.values()))

        async def all_announced() -> bool:
            return after.keys() <= {e["incident_id"] for e in dashboard.opened()}

        await until(all_announced, "every listed incident announced as opened on the dashboard", 15)
        announced = Counter(e["incident_id"] for e in dashboard.opened())
        assert [i for i, n in announced.items() if n > 1] == [], "an incident announced as opened twice"
        print(
            f"incidents: {len(before)} listed before the kill, {len(after)} after, "
            f"{len(interrupted)} closed as interrupted; the two screaming cameras on "
            f"{'different nodes' if placed[ids['scream-a']] != placed[ids['scream-b']] else 'one node'}"
        )

        await dashboard.client.disconnect()
        for camera_id in camera_ids:  # the actors are detached: delete the cameras so none outlives the test
            assert (await client.delete(f"/api/v1/cameras/{camera_id}")).status_code == 204
        left = [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)]
        assert not [n for n in left if n.startswith(ACTOR_PREFIX)]
