"""indexes of the hot paths: the newest endpoint change and a meeting's newest readiness change (versions of the
board and the registry, the history)

Revision ID: 5e2a9c41d7b8
Revises: 5e2a91c4d7b3
Create Date: 2026-12-01 20:05:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e2a9c41d7b8'
down_revision = '5e2a91c4d7b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('endpoints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_endpoints_updated_at'), ['updated_at'], unique=False)
    with op.batch_alter_table('readiness_changes', schema=None) as batch_op:
        batch_op.create_index('ix_readiness_changes_meeting_newest', ['meeting_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('readiness_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_readiness_changes_meeting_newest')
    with op.batch_alter_table('endpoints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_endpoints_updated_at'))
