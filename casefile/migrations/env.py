"""Alembic environment, configured in code: `casefile.db` passes the connection in.

There is no alembic.ini. `signpost db upgrade` (or `casefile.db.upgrade(url)`) runs these migrations.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from casefile.models import Base

target_metadata = Base.metadata


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations through casefile.db.upgrade(url) or `signpost db upgrade`.")
run_migrations(connection)
