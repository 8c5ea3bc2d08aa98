"""referral conversations (messages, concern steps, read marks) and concern states

Revision ID: cbfbf2a28038
Revises: ff9ff74acae7
Create Date: 2026-12-04 23:05:04.660212

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "cbfbf2a28038"
down_revision = "ff9ff74acae7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "referral_message_reads",
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("seen_through", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_message_reads_referral_id_referrals"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_referral_message_reads_user_id_users")
        ),
        sa.PrimaryKeyConstraint("referral_id", "user_id", name=op.f("pk_referral_message_reads")),
    )
    op.create_table(
        "referral_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("trainer_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("author_role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "message",
                "acknowledged",
                "resolved",
                "cleared",
                name="entrykind",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_referral_messages_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["referral_updates.id"],
            name=op.f("fk_referral_messages_concern_id_referral_updates"),
        ),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_referral_messages_referral_id_referrals"),
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"], ["trainers.id"], name=op.f("fk_referral_messages_trainer_id_trainers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_messages")),
    )
    with op.batch_alter_table("referral_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_messages_referral_id"), ["referral_id"], unique=False
        )

    with op.batch_alter_table("referral_updates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "concern_status",
                sa.Enum(
                    "open", "acknowledged", "resolved", name="concernstatus", native_enum=False
                ),
                nullable=True,
            )
        )
    # A concern raised before conversations existed is still open: nobody answered it.
    op.execute("UPDATE referral_updates SET concern_status = 'open' WHERE concern")


def downgrade():
    with op.batch_alter_table("referral_updates", schema=None) as batch_op:
        batch_op.drop_column("concern_status")

    with op.batch_alter_table("referral_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_messages_referral_id"))

    op.drop_table("referral_messages")
    op.drop_table("referral_message_reads")
