"""readiness: SIP OPTIONS probe results

Revision ID: 5319c75a6bbe
Revises: d3eb1c119daf
Create Date: 2026-12-01 19:10:15.221026

"""
from alembic import op
import sqlalchemy as sa

import meetings.database


# revision identifiers, used by Alembic.
revision = '5319c75a6bbe'
down_revision = 'd3eb1c119daf'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('probe_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sip_uri', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sip_state', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('sip_detail', sa.String(length=300), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('sip_latency_ms', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sip_checked_at', meetings.database.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint('sip_state_known', "sip_state IS NULL OR sip_state IN ('ok', 'failed')")
    with op.batch_alter_table('probe_results', schema=None) as batch_op:
        batch_op.alter_column('sip_uri', server_default=None)
        batch_op.alter_column('sip_detail', server_default=None)


def downgrade():
    with op.batch_alter_table('probe_results', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_probe_results_sip_state_known'), type_='check')
        batch_op.drop_column('sip_checked_at')
        batch_op.drop_column('sip_latency_ms')
        batch_op.drop_column('sip_detail')
        batch_op.drop_column('sip_state')
        batch_op.drop_column('sip_uri')
