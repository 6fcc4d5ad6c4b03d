"""Schema of the registry import and linking (issue 6) area.

Revision ID: 0005_registry
Revises: 0004_ocr

The revision chain is fixed in advance (see migrations/README.md) so areas built side
by side never create two Alembic heads.  Until this area needs its own tables or
columns this revision changes nothing.
"""

from __future__ import annotations

revision = "0005_registry"
down_revision = "0004_ocr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
