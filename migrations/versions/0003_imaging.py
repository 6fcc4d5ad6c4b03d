"""Schema of the image pipeline (issue 4) area.

Revision ID: 0003_imaging
Revises: 0002_capture

The revision chain is fixed in advance (see migrations/README.md) so areas built side
by side never create two Alembic heads.  Until this area needs its own tables or
columns this revision changes nothing.
"""

from __future__ import annotations

revision = "0003_imaging"
down_revision = "0002_capture"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
