"""camera zones and privacy

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 23:58:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zones", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column("privacy", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_column("privacy")
        batch_op.drop_column("zones")
