"""outgoing mail: the HTML alternative of the body

Revision ID: 5e2a91c4d7b3
Revises: 3c9e1f0a7b52
Create Date: 2026-12-01 19:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e2a91c4d7b3'
down_revision = '3c9e1f0a7b52'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_mail') as batch:
        batch.add_column(sa.Column('body_html', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('outgoing_mail') as batch:
        batch.drop_column('body_html')
