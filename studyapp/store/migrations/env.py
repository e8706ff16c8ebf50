"""Alembic environment: runs on the connection studyapp hands it (see studyapp.store.db)."""

from alembic import context

from studyapp.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when run from the alembic command line
    from sqlalchemy import create_engine

    from studyapp.config import resolve_db_url

    connection = create_engine(resolve_db_url()).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
