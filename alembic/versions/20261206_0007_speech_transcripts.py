"""speech to text: a per-camera switch and the transcripts kept with incidents

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import vigil.db.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transcribe", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "incident_speech",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("started_at", vigil.db.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", vigil.db.types.UTCDateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("conf", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("created_at", vigil.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("incident_speech", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_speech_incident_id"), ["incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incident_speech", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_speech_incident_id"))
    op.drop_table("incident_speech")
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_column("transcribe")
