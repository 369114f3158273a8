"""meetings: the folded title (no case, no diacritics) that the meeting search compares

Revision ID: 3f9c2d1b7a64
Revises: 8d41f2a0c6e3
Create Date: 2026-12-01 19:20:00

"""
import unicodedata

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '3f9c2d1b7a64'
down_revision = '8d41f2a0c6e3'
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    # The application's fold (meetings.core.text) as it was when this revision was written.
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn").lower()


def upgrade():
    op.add_column('meetings', sa.Column('title_key', sa.String(length=300), nullable=False, server_default=''))
    meetings = sa.table('meetings', sa.column('id', sa.Integer), sa.column('title', sa.String),
                        sa.column('title_key', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(meetings.c.id, meetings.c.title)).all()
    for meeting_id, title in rows:
        connection.execute(meetings.update().where(meetings.c.id == meeting_id).values(title_key=_fold(title)))
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.alter_column('title_key', server_default=None)


def downgrade():
    with op.batch_alter_table('meetings') as batch_op:
        batch_op.drop_column('title_key')
