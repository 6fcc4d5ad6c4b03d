"""Schema of the capture station (issue 3) area.

Revision ID: 0002_capture
Revises: 0001_core

The revision chain is fixed in advance (see migrations/README.md) so areas built side
by side never create two Alembic heads.  Until this area needs its own tables or
columns this revision changes nothing.
"""

from __future__ import annotations

revision = "0002_capture"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
