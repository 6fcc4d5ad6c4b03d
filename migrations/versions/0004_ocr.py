"""Schema of the OCR queue and fields (issue 5) area.

Revision ID: 0004_ocr
Revises: 0003_imaging

The revision chain is fixed in advance (see migrations/README.md) so areas built side
by side never create two Alembic heads.  Until this area needs its own tables or
columns this revision changes nothing.
"""

from __future__ import annotations

revision = "0004_ocr"
down_revision = "0003_imaging"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
