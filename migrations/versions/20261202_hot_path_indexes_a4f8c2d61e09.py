"""indexes of the hot paths: attendance records carry their participant's meeting (the statistics' version
reads a period's records by meeting); savings items' snapshot index holds that version's figures; an
endpoint's readiness changes are indexed newest first (its last answer in a few steps)

Revision ID: a4f8c2d61e09
Revises: e3a7b91c5d42
Create Date: 2026-12-02 02:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4f8c2d61e09'
down_revision = 'e3a7b91c5d42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', sa.Integer(), nullable=True))
    op.execute('UPDATE attendance_records SET meeting_id = (SELECT participants.meeting_id FROM participants '
               'WHERE participants.id = attendance_records.participant_id)')
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.alter_column('meeting_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_attendance_records_meeting_id_meetings'), 'meetings',
                                    ['meeting_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_attendance_records_meeting_id', ['meeting_id'], unique=False,
                              postgresql_include=['id', 'revision'])
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_savings_items_snapshot_id', table_name='savings_items')
        op.create_index('ix_savings_items_snapshot_id', 'savings_items', ['snapshot_id'],
                        postgresql_include=['id', 'revision'])
    op.drop_index('ix_readiness_changes_meeting_endpoint', table_name='readiness_changes')
    op.create_index('ix_readiness_changes_meeting_endpoint', 'readiness_changes', ['meeting_id', 'endpoint_id', 'id'])


def downgrade():
    op.drop_index('ix_readiness_changes_meeting_endpoint', table_name='readiness_changes')
    op.create_index('ix_readiness_changes_meeting_endpoint', 'readiness_changes', ['meeting_id', 'endpoint_id'])
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_savings_items_snapshot_id', table_name='savings_items')
        op.create_index('ix_savings_items_snapshot_id', 'savings_items', ['snapshot_id'])
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_records_meeting_id')
        batch_op.drop_constraint(batch_op.f('fk_attendance_records_meeting_id_meetings'), type_='foreignkey')
        batch_op.drop_column('meeting_id')
