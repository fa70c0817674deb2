"""The dashboard's account pages with registration closed (the default): the first account registers, later
visitors are told registration is closed, and "Log out" ends the token on the server, not only in the tab.

Needs a dashboard build (`VIGIL_E2E_DIST` or frontend/dist) and /usr/bin/chromium.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import ServerFactory
from tests.e2e.helpers import page_token, register_and_log_in

pytestmark = pytest.mark.slow


async def test_closed_registration_and_logout(dashboard_server: ServerFactory, browser: Browser) -> None:
    async with dashboard_server(open_registration=False) as server:
        context = await browser.new_context()
        page = await context.new_page()
        await register_and_log_in(page, server.url, screenshots=False)  # the first account may register
        token = await page_token(page)
        await page.get_by_role("button", name="Log out").click()
        await expect(page.get_by_role("status")).to_have_text("You have been logged out.")
        async with httpx.AsyncClient(base_url=server.url) as client:
            for _ in range(50):  # the logout request leaves as the tab forgets the token
                me = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
                if me.status_code == 401:
                    break
                await page.wait_for_timeout(100)
            assert me.status_code == 401

        await page.goto(f"{server.url}/register")
        await expect(page.get_by_role("status")).to_have_text(
            "Registration is closed on this server: an administrator adds accounts. Ask one for yours."
        )
        await expect(page.get_by_role("button", name="Register")).to_have_count(0)
        await context.close()
