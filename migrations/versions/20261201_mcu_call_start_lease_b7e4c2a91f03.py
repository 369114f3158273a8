"""mcu: the lease a sweep holds on a conference while it starts the call

Revision ID: b7e4c2a91f03
Revises: 3f9c2d1b7a64
Create Date: 2026-12-01 22:10:00

"""
import sqlalchemy as sa
from alembic import op

import meetings.database

# revision identifiers, used by Alembic.
revision = 'b7e4c2a91f03'
down_revision = '3f9c2d1b7a64'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mcu_conferences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('call_lease_until', meetings.database.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('mcu_conferences', schema=None) as batch_op:
        batch_op.drop_column('call_lease_until')
