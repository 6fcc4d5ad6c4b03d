"""Schema of the users, roles, audit, QA (issue 10) area.

Revision ID: 0009_security
Revises: 0008_sync

Adds per-user login state, QA spot-check samples/results, and two indexes on the
audit chain: a unique one on ``prev_hash`` (no two events may follow the same
predecessor, so concurrent writers can never fork the chain) and one on ``hash``
(verification looks up where a misplaced event really belongs), plus triggers that
refuse UPDATE/DELETE of audit events.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_security"
down_revision = "0008_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_states",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=True),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_states_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_states")),
    )
    op.create_table(
        "qa_samples",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.String(length=32), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("pass_threshold", sa.Float(), nullable=False),
        sa.Column("population", sa.JSON(), nullable=False),
        sa.Column("page_ids", sa.JSON(), nullable=False),
        sa.Column("auto_issues", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pass_rate", sa.Float(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_qa_samples_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_samples")),
    )
    with op.batch_alter_table("qa_samples", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_samples_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_qa_samples_status"), ["status"], unique=False)
    op.create_table(
        "qa_results",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("sample_id", sa.String(length=32), nullable=False),
        sa.Column("page_id", sa.String(length=32), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_qa_results_page_id_pages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["qa_samples.id"],
            name=op.f("fk_qa_results_sample_id_qa_samples"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_results")),
        sa.UniqueConstraint("sample_id", "page_id", name="uq_qa_results_sample_page"),
    )
    with op.batch_alter_table("qa_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_results_page_id"), ["page_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_qa_results_sample_id"), ["sample_id"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("uq_audit_events_prev_hash", ["prev_hash"], unique=True)
        batch_op.create_index("ix_audit_events_hash", ["hash"], unique=False)
    _create_append_only_triggers()


def _create_append_only_triggers() -> None:
    """Refuse UPDATE/DELETE (and TRUNCATE on PostgreSQL) of audit events in the database
    itself: the application never changes an event, so only someone working around it
    would.  Not a security boundary against the database owner (who can drop the
    trigger) — that is what the hash chain and its anchor are for."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
        )


def _drop_append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")


def downgrade() -> None:
    _drop_append_only_triggers()
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_hash")
        batch_op.drop_index("uq_audit_events_prev_hash")
    with op.batch_alter_table("qa_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_results_sample_id"))
        batch_op.drop_index(batch_op.f("ix_qa_results_page_id"))
    op.drop_table("qa_results")
    with op.batch_alter_table("qa_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_samples_status"))
        batch_op.drop_index(batch_op.f("ix_qa_samples_batch_id"))
    op.drop_table("qa_samples")
    op.drop_table("user_states")
