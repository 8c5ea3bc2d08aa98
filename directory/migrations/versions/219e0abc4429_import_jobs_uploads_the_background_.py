"""import jobs: uploads the background worker runs

Revision ID: 219e0abc4429
Revises: fee1676aa3a0
Create Date: 2026-12-03 08:08:29.865080

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "219e0abc4429"
down_revision = "fee1676aa3a0"
branch_labels = None
depends_on = None


def upgrade():

    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("queued", "running", "done", "failed", name="jobstatus", native_enum=False),
            nullable=False,
        ),
        sa.Column("curator_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("issuer", sa.String(length=16), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("applied_as_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applied_as_id"],
            ["import_jobs.id"],
            name=op.f("fk_import_jobs_applied_as_id_import_jobs"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batches.id"], name=op.f("fk_import_jobs_batch_id_import_batches")
        ),
        sa.ForeignKeyConstraint(
            ["curator_id"], ["users.id"], name=op.f("fk_import_jobs_curator_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_jobs_curator_id"), ["curator_id"], unique=False)


def downgrade():

    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_jobs_curator_id"))

    op.drop_table("import_jobs")
