"""Page-store file sizes and named database locks (issue 16).

Revision ID: 0010_hardening
Revises: 0009_security

``blob_sizes``: byte size of each page-store file, recorded when written, so the quick
page-store check catches truncation without hashing.  Files written before this
revision have no row; the check hashes those once and records their size.
``locks``: named locks with owner and heartbeat (registry import, sync per target),
held in the shared catalogue so they exclude across stations on PostgreSQL.
``cli_sessions``: hashed tokens of short-lived command-line sessions (``hukou-scan login``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_hardening"
down_revision = "0009_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_sizes",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blob_sizes")),
    )
    op.create_table(
        "locks",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("owner", sa.String(length=300), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_locks")),
    )
    op.create_table(
        "cli_sessions",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("os_uid", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_cli_sessions")),
    )
    op.create_index(op.f("ix_cli_sessions_user_id"), "cli_sessions", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_cli_sessions_user_id"), table_name="cli_sessions")
    op.drop_table("cli_sessions")
    op.drop_table("locks")
    op.drop_table("blob_sizes")
