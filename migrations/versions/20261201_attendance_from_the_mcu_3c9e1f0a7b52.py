"""attendance: the MCU may record attendance (source 'mcu')

Revision ID: 3c9e1f0a7b52
Revises: f0d96c46fd50
Create Date: 2026-12-01 18:50:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '3c9e1f0a7b52'
down_revision = 'f0d96c46fd50'
branch_labels = None
depends_on = None

# The values of meetings.attendance.models.AttendanceSource when this migration was written.
SOURCES_BEFORE = ("manual", "cdr")
SOURCES_AFTER = ("manual", "cdr", "mcu")


def _source_known(batch_op, sources):
    batch_op.drop_constraint(op.f('ck_attendance_records_source_known'), type_='check')
    batch_op.create_check_constraint(
        'source_known', f"source IN ({', '.join(repr(s) for s in sources)})")


def upgrade():
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        _source_known(batch_op, SOURCES_AFTER)


def downgrade():
    op.execute("UPDATE attendance_records SET source = 'manual' WHERE source = 'mcu'")
    with op.batch_alter_table('attendance_records', schema=None) as batch_op:
        _source_known(batch_op, SOURCES_BEFORE)
