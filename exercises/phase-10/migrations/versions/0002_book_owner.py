"""Give every book an owner: books.owner_id, a foreign key to users.id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 10:00:00

Written by `alembic revision --autogenerate -m "book owner"`, then read and tidied by hand.
Books stored before this revision keep owner_id NULL: nobody may change them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A batch operation: SQLite cannot add a foreign key to an existing table, so Alembic copies
    # the table; on PostgreSQL this is a plain ALTER TABLE.
    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_books_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key("fk_books_owner_id_users", "users", ["owner_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("books", schema=None) as batch_op:
        batch_op.drop_constraint("fk_books_owner_id_users", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_books_owner_id"))
        batch_op.drop_column("owner_id")
