"""endpoints: the stored Vietnamese sort key (province, then name)

Revision ID: 3c51e0b7a9d2
Revises: 6abbf2562c5c
Create Date: 2026-12-01 18:50:00

"""
import sqlalchemy as sa
from alembic import op

from meetings.core.collation import endpoint_sort_key

# revision identifiers, used by Alembic.
revision = '3c51e0b7a9d2'
down_revision = '6abbf2562c5c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('endpoints') as batch:
        batch.add_column(sa.Column('sort_key', sa.String(length=600), server_default='', nullable=False))
        batch.create_index(batch.f('ix_endpoints_sort_key'), ['sort_key'], unique=False)
    endpoints = sa.table('endpoints', sa.column('id', sa.Integer), sa.column('province', sa.String),
                         sa.column('name', sa.String), sa.column('sort_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(endpoints.c.id, endpoints.c.province, endpoints.c.name)).all()
    for row in rows:
        connection.execute(endpoints.update().where(endpoints.c.id == row.id)
                           .values(sort_key=endpoint_sort_key(row.province or "", row.name or "")))


def downgrade():
    with op.batch_alter_table('endpoints') as batch:
        batch.drop_index(batch.f('ix_endpoints_sort_key'))
        batch.drop_column('sort_key')
