"""`vigil baseline learn CAMERA FILE`: a camera's baseline learns from a recording of its past.

The recording goes through the offline chain (every model, the camera's zones) and its activity, slot by
slot, into the camera's stored baseline, as if the camera had been watched then. Run it while the server
is stopped: a running server keeps the baselines it uses in memory and would not see what was learned.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from vigil.anomaly.store import ActivityService
from vigil.anomaly.watch import ActivityWatch, WatchSettings
from vigil.api.pipelines import zones_of
from vigil.camera.offline import DetectError, recording_observations
from vigil.db.engine import make_engine, make_session_factory
from vigil.db.tables import Camera
from vigil.perception import worker
from vigil.settings import Settings
from vigil.tracking.zones import tracked_zones


@dataclasses.dataclass(frozen=True)
class Learned:
    slots: int
    days: int  # the camera's days of history afterwards


async def learn_recording(
    settings: Settings,
    config: worker.PerceptionConfig,
    camera_id: int,
    path: Path,
    start: datetime,
    fps: float,
) -> Learned:
    engine = make_engine(settings.resolved_database_url)
    try:
        session_factory = make_session_factory(engine)
        async with session_factory() as db:
            camera = await db.get(Camera, camera_id)
            if camera is None:
                raise DetectError(f"no camera {camera_id} in {settings.resolved_database_url}")
            zones = tracked_zones(zones_of(camera.zones))
        tz = settings.tzinfo()
        watch = ActivityWatch(
            WatchSettings(settings.anomaly_slot_s, settings.anomaly_min_days), lambda _c: tz, lambda _c: zones
        )
        service = ActivityService(session_factory, watch)
        worker.init_worker(config)
        for observation in recording_observations(path, fps, start.timestamp(), zones):
            await service.observe(dataclasses.replace(observation, camera_id=camera_id))
        await service.flush(camera_id)
        return Learned(service.slots_judged, (await service.baseline(camera_id)).days_learned)
    finally:
        await engine.dispose()
