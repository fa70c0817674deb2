"""Alert routes and their deliveries on PostgreSQL: the API's own tests (tests/api/test_alert_routes.py, run
there on SQLite) collected again here, with their settings and webhook receiver, on a fresh PostgreSQL
database each: routes with JSON lists of cameras and labels, deliveries written by the server's delivery
flow and listed newest first, per user."""

from __future__ import annotations

from tests.api.test_alert_routes import (
    hooks,
    settings,
    test_create_list_get_update_delete,
    test_deliveries_are_listed_for_who_sees_the_incident,
    test_routes_only_ever_cover_cameras_their_owner_may_see,
)
from tests.conftest import ON_POSTGRESQL

pytestmark = ON_POSTGRESQL

__all__ = [  # collected here again, on PostgreSQL
    "hooks",
    "settings",
    "test_create_list_get_update_delete",
    "test_deliveries_are_listed_for_who_sees_the_incident",
    "test_routes_only_ever_cover_cameras_their_owner_may_see",
]
