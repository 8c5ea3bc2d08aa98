"""doctor profiles and the NPPES registry

Revision ID: 2c73e88fcd31
Revises: 219e0abc4429
Create Date: 2026-12-03 14:30:55.150345

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2c73e88fcd31"
down_revision = "219e0abc4429"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "npi_registry",
        sa.Column("npi", sa.String(length=10), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("credential", sa.String(length=60), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("taxonomy", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("npi", name=op.f("pk_npi_registry")),
    )
    op.create_table(
        "doctor_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("credentials", sa.String(length=60), nullable=False),
        sa.Column("npi", sa.String(length=10), nullable=False),
        sa.Column("npi_confirmed", sa.Boolean(), nullable=False),
        sa.Column("practice_name", sa.String(length=200), nullable=False),
        sa.Column("address_line", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=2), nullable=False),
        sa.Column("postal_code", sa.String(length=10), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("fax", sa.String(length=32), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_doctor_profiles_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_doctor_profiles")),
        sa.UniqueConstraint("npi", name=op.f("uq_doctor_profiles_npi")),
        sa.UniqueConstraint("user_id", name=op.f("uq_doctor_profiles_user_id")),
    )


def downgrade():
    op.drop_table("doctor_profiles")
    op.drop_table("npi_registry")
