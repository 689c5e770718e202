"""Alembic environment: migrations run on the engine lpip passes in."""

from alembic import context

from lpip.db import Base
import lpip.evidence.models  # noqa: F401  (registers the tables)
import lpip.geography.models  # noqa: F401
import lpip.workshops.models  # noqa: F401
import lpip.deliberation.models  # noqa: F401
import lpip.synthesis.models  # noqa: F401

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
