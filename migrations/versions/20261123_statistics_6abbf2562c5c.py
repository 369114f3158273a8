"""statistics: the marker of made-up demo history (demo_meetings)

Revision ID: 6abbf2562c5c
Revises: 1aafe952ddb4
Create Date: 2026-11-23 17:11:24.965963

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6abbf2562c5c'
down_revision = '1aafe952ddb4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('demo_meetings',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('demo_key', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_demo_meetings_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_demo_meetings')),
    sa.UniqueConstraint('demo_key', name=op.f('uq_demo_meetings_demo_key'))
    )


def downgrade():
    op.drop_table('demo_meetings')
