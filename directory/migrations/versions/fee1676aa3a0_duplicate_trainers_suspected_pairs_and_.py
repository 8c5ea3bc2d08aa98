"""duplicate trainers: suspected pairs and merged records

Revision ID: fee1676aa3a0
Revises: 2352cf94d436
Create Date: 2026-12-02 15:06:44.508048

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "fee1676aa3a0"
down_revision = "2352cf94d436"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "suspected_duplicates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainer_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "merged",
                "distinct",
                "withdrawn",
                name="duplicatestatus",
                native_enum=False,
            ),
            nullable=False,
        ),
        sa.Column("survivor_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "trainer_id < other_id", name=op.f("ck_suspected_duplicates_pair_in_id_order")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_suspected_duplicates_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["other_id"], ["trainers.id"], name=op.f("fk_suspected_duplicates_other_id_trainers")
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"],
            ["trainers.id"],
            name=op.f("fk_suspected_duplicates_survivor_id_trainers"),
        ),
        sa.ForeignKeyConstraint(
            ["trainer_id"],
            ["trainers.id"],
            name=op.f("fk_suspected_duplicates_trainer_id_trainers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspected_duplicates")),
        sa.UniqueConstraint(
            "trainer_id", "other_id", name=op.f("uq_suspected_duplicates_trainer_id_other_id")
        ),
    )
    with op.batch_alter_table("suspected_duplicates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suspected_duplicates_other_id"), ["other_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_suspected_duplicates_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_suspected_duplicates_trainer_id"), ["trainer_id"], unique=False
        )

    with op.batch_alter_table("trainers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_trainers_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_trainers_merged_into_id_trainers"),
            "trainers",
            ["merged_into_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("trainers", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_trainers_merged_into_id_trainers"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_trainers_merged_into_id"))
        batch_op.drop_column("merged_into_id")

    with op.batch_alter_table("suspected_duplicates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suspected_duplicates_trainer_id"))
        batch_op.drop_index(batch_op.f("ix_suspected_duplicates_status"))
        batch_op.drop_index(batch_op.f("ix_suspected_duplicates_other_id"))

    op.drop_table("suspected_duplicates")
