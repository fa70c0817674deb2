"""`/metrics` answers only an admin's login or the scraper's token."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import World, bearer, make_settings
from vigil.api.app import create_app


async def test_metrics_need_an_admin(world: World) -> None:
    assert (await world.client.get("/metrics")).status_code == 401
    assert (await world.client.get("/metrics", headers=world["owner"].headers)).status_code == 401
    response = await world.client.get("/metrics", headers=world["admin"].headers)
    assert response.status_code == 200
    assert "vigil_pool_in_flight" in response.text


async def test_scraper_token_opens_metrics(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, metrics_token="scrape-" + "s" * 30))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://vigil.test") as client:
            assert (await client.get("/metrics", headers=bearer("scrape-" + "s" * 30))).status_code == 200
            assert (await client.get("/metrics", headers=bearer("scrape-wrong"))).status_code == 401
