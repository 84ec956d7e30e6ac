"""Alembic environment: the connection comes from mailbot, not from an ini file."""

from alembic import context

from mailbot.db.models import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn) -> None:
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=conn.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:  # mailbot's Database.upgrade(): inside its transaction
    _run(connection)
else:  # plain `alembic` command line: use sqlalchemy.url from the config
    from sqlalchemy import create_engine

    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("alembic: set sqlalchemy.url in the ini file")
    with create_engine(url).begin() as conn:
        _run(conn)
