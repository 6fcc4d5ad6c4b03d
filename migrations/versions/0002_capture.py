"""Schema of the capture station (issue 3) area.

Revision ID: 0002_capture
Revises: 0001_core

Adds ``import_log``: one row per imported file (hot folder or file dialog), keyed by
the file's sha256, so duplicates are recognised across restarts and a crash between
"pages stored" and "file moved away" never imports a file twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_capture"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_log",
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False, server_default=""),
        sa.Column("source", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("batch_id", sa.String(length=32), nullable=True),
        sa.Column("page_ids", sa.JSON(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("file_sha256", name=op.f("pk_import_log")),
    )
    with op.batch_alter_table("import_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_log_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_log_batch_id"))
    op.drop_table("import_log")
