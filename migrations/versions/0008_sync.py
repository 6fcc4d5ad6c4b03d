"""Schema of the sync and multi-station (issue 9) area.

Revision ID: 0008_sync
Revises: 0007_export

Adds ``sync_manifests`` (last manifest/catalogue written per target, with tombstones)
and ``sync_records.stored_sha256`` (hash of the bytes on the target, which differs
from the content hash when client-side encryption is on), plus an index that makes
"what is still to do for this target" a cheap query.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_sync"
down_revision = "0007_export"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_manifests",
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("stored_sha256", sa.String(length=64), nullable=False, server_default=""),
        sa.Column("size", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("state", sa.String(length=20), nullable=False, server_default="local"),
        sa.Column("tombstones", sa.JSON(), nullable=False),
        sa.Column("seen_pages", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("target", "key", name=op.f("pk_sync_manifests")),
    )
    with op.batch_alter_table("sync_manifests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_manifests_batch_id"), ["batch_id"], unique=False)
    with op.batch_alter_table("sync_records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stored_sha256", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.create_index("ix_sync_records_target_state", ["target", "state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sync_records", schema=None) as batch_op:
        batch_op.drop_index("ix_sync_records_target_state")
        batch_op.drop_column("stored_sha256")
    with op.batch_alter_table("sync_manifests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_manifests_batch_id"))
    op.drop_table("sync_manifests")
