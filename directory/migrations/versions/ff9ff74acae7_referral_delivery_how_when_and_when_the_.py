"""referral delivery: how, when, and when the trainer opened it

Revision ID: ff9ff74acae7
Revises: 0e0b85cd379d
Create Date: 2026-12-03 14:50:54.146261

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ff9ff74acae7"
down_revision = "0e0b85cd379d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivered_by", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("opened_at")
        batch_op.drop_column("delivered_at")
        batch_op.drop_column("delivered_by")
