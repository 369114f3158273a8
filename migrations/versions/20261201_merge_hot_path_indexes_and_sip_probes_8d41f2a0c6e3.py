"""merge: the hot paths' indexes and the SIP OPTIONS probe results landed side by side

Revision ID: 8d41f2a0c6e3
Revises: 5e2a9c41d7b8, 5319c75a6bbe
Create Date: 2026-12-01 20:40:00.000000

"""

# revision identifiers, used by Alembic.
revision = '8d41f2a0c6e3'
down_revision = ('5e2a9c41d7b8', '5319c75a6bbe')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
