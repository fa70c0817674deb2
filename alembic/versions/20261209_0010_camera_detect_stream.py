"""a camera's detect substream: analysed instead of its main stream, whose packets still make the clips

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 20:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("detect_url", sa.String(length=2048), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("camera", schema=None) as batch_op:
        batch_op.drop_column("detect_url")
