"""per-camera activity baselines by hour of week, the days they learned from, and judged activity slots

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vigil.db.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "baseline_bucket",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=160), nullable=False),
        sa.Column("hour_of_week", sa.Integer(), nullable=False),
        sa.Column("n", sa.Float(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.Column("m2", sa.Float(), nullable=False),
        sa.Column("accepted_low", sa.Float(), nullable=True),
        sa.Column("accepted_high", sa.Float(), nullable=True),
        sa.Column("updated_at", vigil.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("camera_id", "measure", "hour_of_week"),
    )
    op.create_table(
        "baseline_day",
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("camera_id", "day"),
    )
    op.create_table(
        "activity_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("camera_id", sa.Integer(), nullable=False),
        sa.Column("started_at", vigil.db.types.UTCDateTime(), nullable=False),
        sa.Column("slot_s", sa.Float(), nullable=False),
        sa.Column("measure", sa.String(length=160), nullable=False),
        sa.Column("hour_of_week", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("mid", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=True),
        sa.ForeignKeyConstraint(["camera_id"], ["camera.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activity_slot", schema=None) as batch_op:
        batch_op.create_index("ix_activity_slot_camera_started", ["camera_id", "started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("activity_slot", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_slot_camera_started")
    op.drop_table("activity_slot")
    op.drop_table("baseline_day")
    op.drop_table("baseline_bucket")
