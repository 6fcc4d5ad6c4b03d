"""Schema of the users, roles, audit, QA (issue 10) area.

Revision ID: 0009_security
Revises: 0008_sync

The revision chain is fixed in advance (see migrations/README.md) so areas built side
by side never create two Alembic heads.  Until this area needs its own tables or
columns this revision changes nothing.
"""

from __future__ import annotations

revision = "0009_security"
down_revision = "0008_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
