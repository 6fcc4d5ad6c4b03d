"""Shared job queue (procrastinate on PostgreSQL) and re-OCR campaigns (issue 19).

Revision ID: 0011_queue
Revises: 0010_hardening

``reocr_campaigns`` / ``reocr_candidates``: a campaign re-reads a selection of pages with
another engine and keeps each new reading beside the old one until a reviewer accepts it.
On PostgreSQL this revision also installs procrastinate's schema (its tables, types and
functions, all named ``procrastinate_*``) so the workers of every machine share one queue
in the central database and jobs are deferred in the same transaction as the rows they
concern.  SQLite stations keep the local ``jobs`` runner and get no procrastinate schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_queue"
down_revision = "0010_hardening"
branch_labels = None
depends_on = None

_DROP_PROCRASTINATE = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE p.proname LIKE 'procrastinate%' AND n.nspname = current_schema() LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || r.f || ' CASCADE';
    END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typname LIKE 'procrastinate%' AND t.typtype IN ('c', 'e')
               AND n.nspname = current_schema() LOOP
        EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(r.typname) || ' CASCADE';
    END LOOP;
END $$;
"""


def upgrade() -> None:
    op.create_table(
        "reocr_campaigns",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("engine", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=30), nullable=False),
        sa.Column("selection", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reocr_campaigns")),
    )
    op.create_table(
        "reocr_candidates",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("campaign_id", sa.String(length=32), nullable=False),
        sa.Column("page_id", sa.String(length=32), nullable=False),
        sa.Column("old_engine", sa.String(length=100), nullable=False),
        sa.Column("old_text", sa.Text(), nullable=False),
        sa.Column("new_text", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["reocr_campaigns.id"],
            name=op.f("fk_reocr_candidates_campaign_id_reocr_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_reocr_candidates_page_id_pages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reocr_candidates")),
        sa.UniqueConstraint("campaign_id", "page_id", name="uq_reocr_candidates_campaign_page"),
    )
    op.create_index(
        op.f("ix_reocr_candidates_campaign_id"), "reocr_candidates", ["campaign_id"], unique=False
    )
    op.create_index(op.f("ix_reocr_candidates_page_id"), "reocr_candidates", ["page_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from procrastinate.schema import SchemaManager

        # procrastinate's own schema file, run as one script (``%`` doubled as procrastinate
        # itself does: the driver treats it as a placeholder marker)
        bind.exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(_DROP_PROCRASTINATE.replace("%", "%%"))
    op.drop_index(op.f("ix_reocr_candidates_page_id"), table_name="reocr_candidates")
    op.drop_index(op.f("ix_reocr_candidates_campaign_id"), table_name="reocr_candidates")
    op.drop_table("reocr_candidates")
    op.drop_table("reocr_campaigns")
