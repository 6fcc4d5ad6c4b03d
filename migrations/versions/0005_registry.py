"""Schema of the registry import and linking (issue 6) area.

Revision ID: 0005_registry
Revises: 0004_ocr

Adds to ``persons`` a folded-name key (traditional/variant characters mapped to their
simplified standard form, see :mod:`hukou_scan.registry.variants`) with the indexes the
candidate lookup needs at a million persons (folded name + birth date, birth date
alone), the registration and status-change dates the data-quality rules check, and
the import that last wrote the row.  New tables: ``registry_imports`` (one row per
import run with its committed row position, so an interrupted import resumes),
``registry_bad_rows``, ``link_proposals`` (ranked candidates awaiting a clerk's
confirmation) and ``registry_warnings`` (results of the last data-quality scan).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_registry"
down_revision = "0004_ocr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=100), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("registered_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("status_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("import_id", sa.String(length=32), nullable=False, server_default=""))
        batch_op.create_index("ix_persons_name_key_birth", ["name_key", "birth_date"], unique=False)
        batch_op.create_index("ix_persons_birth_date", ["birth_date"], unique=False)

    op.create_table(
        "registry_imports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("encoding", sa.String(length=30), nullable=False, server_default=""),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False, server_default="running"),
        sa.Column("rows_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("added", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("bad", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("started_by", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_imports")),
    )
    with op.batch_alter_table("registry_imports", schema=None) as batch_op:
        batch_op.create_index("ix_registry_imports_sha_state", ["file_sha256", "state"], unique=False)

    op.create_table(
        "registry_bad_rows",
        sa.Column("import_id", sa.String(length=32), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("reason_zh", sa.Text(), nullable=False, server_default=""),
        sa.Column("reason_en", sa.Text(), nullable=False, server_default=""),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["registry_imports.id"],
            name=op.f("fk_registry_bad_rows_import_id_registry_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_id", "row_no", name=op.f("pk_registry_bad_rows")),
    )

    op.create_table(
        "link_proposals",
        sa.Column("page_id", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("score", sa.Float(), nullable=False, server_default="0"),
        sa.Column("role", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("preselected", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], name=op.f("fk_link_proposals_page_id_pages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_link_proposals_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("page_id", "person_id", name=op.f("pk_link_proposals")),
    )

    op.create_table(
        "registry_warnings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scan_id", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("page_id", sa.String(length=32), nullable=True),
        sa.Column("batch_id", sa.String(length=32), nullable=True),
        sa.Column("station", sa.String(length=100), nullable=False, server_default=""),
        sa.Column("household_no", sa.String(length=50), nullable=False, server_default=""),
        sa.Column("message_zh", sa.Text(), nullable=False, server_default=""),
        sa.Column("message_en", sa.Text(), nullable=False, server_default=""),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registry_warnings")),
    )
    with op.batch_alter_table("registry_warnings", schema=None) as batch_op:
        batch_op.create_index("ix_registry_warnings_rule", ["rule"], unique=False)
        batch_op.create_index("ix_registry_warnings_person_id", ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("registry_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_warnings_person_id")
        batch_op.drop_index("ix_registry_warnings_rule")
    op.drop_table("registry_warnings")
    op.drop_table("link_proposals")
    op.drop_table("registry_bad_rows")
    with op.batch_alter_table("registry_imports", schema=None) as batch_op:
        batch_op.drop_index("ix_registry_imports_sha_state")
    op.drop_table("registry_imports")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_birth_date")
        batch_op.drop_index("ix_persons_name_key_birth")
        batch_op.drop_column("import_id")
        batch_op.drop_column("status_date")
        batch_op.drop_column("registered_on")
        batch_op.drop_column("name_key")
