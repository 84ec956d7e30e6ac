"""Alembic environment: the engine comes from mailbot, not from an ini file."""

from alembic import context

from mailbot.db.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: use sqlalchemy.url from the config
    from sqlalchemy import create_engine

    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("alembic: set sqlalchemy.url in the ini file")
    engine = create_engine(url)

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    context.run_migrations()
