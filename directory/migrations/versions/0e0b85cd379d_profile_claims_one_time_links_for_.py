"""profile claims: one-time links for trainers to claim their profiles

Revision ID: 0e0b85cd379d
Revises: 2c73e88fcd31
Create Date: 2026-12-03 14:44:44.364482

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0e0b85cd379d"
down_revision = "2c73e88fcd31"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "profile_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainer_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "awaiting_curator",
                "sent",
                "used",
                "refused",
                "replaced",
                name="claimstatus",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_profile_claims_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_profile_claims_invited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"], ["trainers.id"], name=op.f("fk_profile_claims_trainer_id_trainers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile_claims")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_profile_claims_token_hash")),
    )
    with op.batch_alter_table("profile_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_profile_claims_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_profile_claims_trainer_id"), ["trainer_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("profile_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_profile_claims_trainer_id"))
        batch_op.drop_index(batch_op.f("ix_profile_claims_status"))

    op.drop_table("profile_claims")
