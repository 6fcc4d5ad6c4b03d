"""Page thumbnails in the database (issue 19: thumbnails on the shared queue).

Revision ID: 0012_thumbnails
Revises: 0011_queue

``page_thumbnails`` holds one small JPEG per page, written with the page's processing
result (or by a ``thumb`` job of the queue for pages processed before this revision), so
that search clients anywhere on a shared PostgreSQL show thumbnails without the page
store.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_thumbnails"
down_revision = "0011_queue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_thumbnails",
        sa.Column("page_id", sa.String(length=32), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_page_thumbnails_page_id_pages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("page_id", name=op.f("pk_page_thumbnails")),
    )


def downgrade() -> None:
    op.drop_table("page_thumbnails")
