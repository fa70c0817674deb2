"""The server on PostgreSQL: a representative slice of the API's own tests, run again here on a fresh
PostgreSQL database each (their modules run them on SQLite). Imported, not copied: each is the same test,
collected a second time in this module, where `database` is PostgreSQL.

What the slice covers: registration and login (a taken e-mail is a unique-index violation the server must
answer as for a new one), cameras with their shares, zones JSON and cascading deletes, incidents filtered,
paged, sorted, searched by what was said (ILIKE), reviewed in bulk (UPDATE ... WHERE) and counted in local
time buckets, rules saved, and a camera's activity baseline that survives a restart (upserts by `merge`).
"""

from __future__ import annotations

from tests.anomaly.test_baselines_in_the_server import (
    test_a_restart_in_the_middle_of_learning_loses_no_baseline_and_a_reset_starts_over,
)
from tests.api.test_auth import (
    test_admin_changes_a_role_and_cannot_demote_the_last_admin,
    test_first_user_is_admin_and_later_users_are_viewers,
    test_registering_a_taken_email_answers_as_for_a_new_one_and_changes_nothing,
)
from tests.api.test_camera_zones import test_zones_and_privacy_round_trip_and_reach_the_pipeline
from tests.api.test_cameras import (
    test_deleting_a_camera_deletes_its_incidents_and_shares,
    test_owner_creates_lists_updates_and_deletes,
    test_sharing_gives_and_takes_access,
)
from tests.api.test_incident_stats import (
    spring,
    test_filters_narrow_the_counts,
    test_hourly_buckets_skip_the_missing_spring_hour,
    test_owner_counts_their_camera_per_local_day,
)
from tests.api.test_incident_transcripts import (
    test_incidents_are_found_by_what_was_said_on_cameras_one_may_see,
)
from tests.api.test_incident_triage import (
    forty,
    test_everything_up_to_now_under_a_filter_is_reviewed,
    test_the_label_filter_offers_the_labels_one_may_see,
)
from tests.api.test_incidents import (
    many,
    test_detail_has_explanation_and_artifacts,
    test_filters_combine,
    test_operator_acknowledges_then_resolves,
    test_pages_and_sorts,
)
from tests.api.test_rules import test_admins_save_a_version_that_runs_at_once_and_a_bad_one_changes_nothing
from tests.conftest import ON_POSTGRESQL, World

pytestmark = ON_POSTGRESQL

__all__ = [  # collected here again, on PostgreSQL
    "forty",
    "many",
    "spring",
    "test_a_restart_in_the_middle_of_learning_loses_no_baseline_and_a_reset_starts_over",
    "test_admin_changes_a_role_and_cannot_demote_the_last_admin",
    "test_admins_save_a_version_that_runs_at_once_and_a_bad_one_changes_nothing",
    "test_deleting_a_camera_deletes_its_incidents_and_shares",
    "test_detail_has_explanation_and_artifacts",
    "test_everything_up_to_now_under_a_filter_is_reviewed",
    "test_filters_combine",
    "test_filters_narrow_the_counts",
    "test_first_user_is_admin_and_later_users_are_viewers",
    "test_hourly_buckets_skip_the_missing_spring_hour",
    "test_incidents_are_found_by_what_was_said_on_cameras_one_may_see",
    "test_operator_acknowledges_then_resolves",
    "test_owner_counts_their_camera_per_local_day",
    "test_owner_creates_lists_updates_and_deletes",
    "test_pages_and_sorts",
    "test_registering_a_taken_email_answers_as_for_a_new_one_and_changes_nothing",
    "test_sharing_gives_and_takes_access",
    "test_the_label_filter_offers_the_labels_one_may_see",
    "test_zones_and_privacy_round_trip_and_reach_the_pipeline",
]


async def test_the_server_here_runs_on_postgresql(world: World) -> None:
    runtime = world.app.state.runtime
    assert runtime.engine.dialect.name == "postgresql"
    assert runtime.settings.resolved_database_url.startswith("postgresql+asyncpg://")
