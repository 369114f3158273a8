"""participants: a revision that every change of a row raises (the version a meeting's cached participants
are kept under)

Revision ID: c5d8e2f4a719
Revises: b7e4c2a91f03
Create Date: 2026-12-01 22:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c5d8e2f4a719'
down_revision = 'b7e4c2a91f03'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_column('revision')
