"""meetings, attendance records, savings snapshots and items: a revision that every change of a row raises (the
version the statistics are kept under)

Revision ID: e3a7b91c5d42
Revises: c5d8e2f4a719
Create Date: 2026-12-01 22:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e3a7b91c5d42'
down_revision = 'c5d8e2f4a719'
branch_labels = None
depends_on = None

TABLES = ('meetings', 'attendance_records', 'savings_snapshots', 'savings_items')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('revision')
