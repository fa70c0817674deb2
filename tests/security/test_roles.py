"""`is_superuser` sent alone by an admin: `false` used to make any account an operator (a viewer gained the
right to add cameras); now it only demotes an admin, and leaves everyone else's role as it is."""

from __future__ import annotations

import pytest

from tests.conftest import World, add_user
from vigil.domain import Role


@pytest.mark.parametrize(
    ("before", "is_superuser", "after"),
    [
        (Role.VIEWER, False, Role.VIEWER),
        (Role.OPERATOR, False, Role.OPERATOR),
        (Role.ADMIN, False, Role.OPERATOR),
        (Role.VIEWER, True, Role.ADMIN),
    ],
)
async def test_is_superuser_alone_changes_only_what_it_says(
    world: World, before: Role, is_superuser: bool, after: Role
) -> None:
    target = await add_user(world.app, f"target-{before}@example.com", before)
    response = await world.client.patch(
        f"/api/v1/users/{target.id}", json={"is_superuser": is_superuser}, headers=world["admin"].headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["role"], response.json()["is_superuser"]) == (after, after is Role.ADMIN)
    listed = await world.client.get(f"/api/v1/users/{target.id}", headers=world["admin"].headers)
    assert listed.json()["role"] == after


async def test_a_viewer_sent_is_superuser_false_still_cannot_add_cameras(world: World) -> None:
    viewer = world["viewer"]
    await world.client.patch(
        f"/api/v1/users/{viewer.id}", json={"is_superuser": False}, headers=world["admin"].headers
    )
    response = await world.client.post(
        "/api/v1/cameras",
        json={"name": "Sneaky", "kind": "rtsp", "url": "rtsp://127.0.0.1:9/x", "enabled": False},
        headers=viewer.headers,  # the token survives: nothing about the account changed
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "ROLE_CANNOT_ADD_CAMERAS"
