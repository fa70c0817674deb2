"""What API nodes share through Redis when there are several (`VIGIL_LIVE_REDIS`).

- **Live events**: socket.io's `AsyncRedisManager`, so an incident or a live frame emitted on any node (or by
  a camera unit running elsewhere, through a write-only manager) reaches every node's connections in the
  camera's room. Rooms stay per node; each node decides its own connections' rooms.
- **Camera health**: the node (or unit) running a camera writes its health under `vigil:health:<id>` every
  half second with a short expiry; every other node mirrors those keys into its own `HealthRegistry`, so
  `GET /cameras/{id}/health` answers the same on any node. A key that expires (its runner died) leaves the
  camera `pending` until a runner publishes again.
- **Who watches**: live frames are encoded only for cameras someone watches. Each API node writes
  `vigil:watching:<id>` (short expiry) for the cameras its connections watch; whoever runs a camera reads
  those keys, so it sends frames (through the Redis manager, to every node's watchers) when a dashboard on
  any node watches.
- **Control**: a pub/sub channel for what one node decides and every node must act on: rooms to recompute
  (a camera created or shared, a role changed), a token logged out, a camera whose profile changed (the node
  that runs cameras applies it).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

from vigil.ingest.health import HealthRegistry, SourceHealth

log = logging.getLogger(__name__)

HEALTH_PREFIX = "vigil:health:"
WATCHING_PREFIX = "vigil:watching:"
WATCHING_TTL_S = 3
HEALTH_TTL_S = 5
MIRROR_PERIOD_S = 0.5
CONTROL_CHANNEL = "vigil:control"
NODE_ID = uuid.uuid4().hex  # this process, so it can tell its own control messages from others'

ControlHandler = Callable[[str, dict[str, Any]], Awaitable[None]]


def health_json(health: SourceHealth) -> str:
    return json.dumps(dataclasses.asdict(health))


def health_from_json(text: str | bytes) -> SourceHealth | None:
    try:
        values = json.loads(text)
        known = {f.name for f in dataclasses.fields(SourceHealth)}
        return SourceHealth(**{k: v for k, v in values.items() if k in known})
    except (ValueError, TypeError):
        return None


async def publish_health(redis: Redis, camera_id: int, health: SourceHealth) -> None:
    await redis.set(f"{HEALTH_PREFIX}{camera_id}", health_json(health), ex=HEALTH_TTL_S)


async def read_health(redis: Redis) -> dict[int, SourceHealth]:
    """Every camera's health some runner published and that has not expired."""
    keys = [key async for key in redis.scan_iter(match=f"{HEALTH_PREFIX}*", count=500)]
    if not keys:
        return {}
    values = await redis.mget(keys)
    found: dict[int, SourceHealth] = {}
    for key, value in zip(keys, values, strict=True):
        name = key.decode() if isinstance(key, bytes) else str(key)
        camera = name.removeprefix(HEALTH_PREFIX)
        health = health_from_json(value) if value is not None else None
        if camera.isdigit() and health is not None:
            found[int(camera)] = health
    return found


class _Periodic:
    """A step run every `MIRROR_PERIOD_S` until closed; a failing step (Redis restarting) is logged and
    the next one tries again."""

    what = "shared state"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def step(self) -> None:
        raise NotImplementedError

    async def _loop(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:
                log.warning("%s could not be shared through Redis", self.what, exc_info=True)
            await asyncio.sleep(MIRROR_PERIOD_S)


class HealthSharing(_Periodic):
    """Publishes the health of the cameras this node runs and mirrors every other camera's."""

    what = "camera health"

    def __init__(self, redis: Redis, registry: HealthRegistry, running: Callable[[], set[int]]) -> None:
        super().__init__()
        self.redis = redis
        self.registry = registry
        self.running = running  # the cameras whose units run in this process
        self._mirrored: set[int] = set()

    async def step(self) -> None:
        mine = self.running()
        for camera_id in mine:
            await publish_health(self.redis, camera_id, self.registry.get(camera_id, True))
        shared = {k: v for k, v in (await read_health(self.redis)).items() if k not in mine}
        for camera_id in self._mirrored - set(shared) - mine:
            self.registry.forget(camera_id)
        for camera_id, health in shared.items():
            self.registry.publish(camera_id, health)
        self._mirrored = set(shared)


async def _ids_under(redis: Redis, prefix: str) -> set[int]:
    found = set()
    async for key in redis.scan_iter(match=f"{prefix}*", count=500):
        name = (key.decode() if isinstance(key, bytes) else str(key)).removeprefix(prefix)
        if name.isdigit():
            found.add(int(name))
    return found


class WatchSharing(_Periodic):
    """Tells the other nodes which cameras this node's connections watch, and keeps the set of cameras
    watched anywhere (read by whoever runs a camera, through `watched`)."""

    what = "live watchers"

    def __init__(self, redis: Redis, watched_here: Callable[[], set[int]] = set) -> None:
        super().__init__()
        self.redis = redis
        self.watched_here = watched_here
        self._anywhere: set[int] = set()

    def watched(self, camera_id: int) -> bool:
        return camera_id in self._anywhere

    async def step(self) -> None:
        here = self.watched_here()
        for camera_id in here:
            await self.redis.set(f"{WATCHING_PREFIX}{camera_id}", "1", ex=WATCHING_TTL_S)
        self._anywhere = here | await _ids_under(self.redis, WATCHING_PREFIX)


class ControlChannel:
    """One pub/sub channel every node listens to; a node skips what it published itself."""

    def __init__(self, redis: Redis, handle: ControlHandler) -> None:
        self.redis = redis
        self.handle = handle
        self._task: asyncio.Task[None] | None = None

    async def publish(self, op: str, **args: Any) -> None:
        await self.redis.publish(CONTROL_CHANNEL, json.dumps({"op": op, "node": NODE_ID, "args": args}))

    async def start(self) -> None:
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(CONTROL_CHANNEL)
        self._task = asyncio.create_task(self._listen(pubsub))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self, pubsub: Any) -> None:
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    body = json.loads(message["data"])
                except (ValueError, TypeError):
                    continue
                if not isinstance(body, dict) or body.get("node") == NODE_ID:
                    continue
                try:
                    await self.handle(str(body.get("op")), dict(body.get("args") or {}))
                except Exception:
                    log.exception("control message %s failed", body.get("op"))
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
