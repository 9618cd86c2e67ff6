"""Alembic environment. The schema is created only by these migrations, tests included."""

import logging

from alembic import context
from flask import current_app

config = context.config
logger = logging.getLogger("alembic.env")
target_db = current_app.extensions["migrate"].db


def _metadata():
    return target_db.metadata


def _render_item(type_, obj, _autogen_context):
    """Write our UTC column type as plain ``sa.DateTime(timezone=True)`` in migrations."""
    from portal.models.base import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure_args(connection):
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("render_item", _render_item)
    args.setdefault("compare_type", True)
    args.setdefault("render_as_batch", connection.dialect.name == "sqlite")

    def skip_empty(_context, _revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    args.setdefault("process_revision_directives", skip_empty)
    return args


def run_migrations_offline():
    context.configure(
        url=str(target_db.engine.url), target_metadata=_metadata(), literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection):
    context.configure(
        connection=connection, target_metadata=_metadata(), **_configure_args(connection)
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:  # a test hands us its own connection
        _run(connection)
        return
    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.driver_connection if sqlite else None
        if raw is not None:
            # Batch migrations rebuild tables (copy, drop, rename); with foreign keys on,
            # dropping a referenced table would fail. The pragma only works outside a
            # transaction, so it goes to the raw driver connection (autocommit mode).
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            _run(connection)
        finally:
            if raw is not None:
                problems = raw.execute("PRAGMA foreign_key_check").fetchall()
                raw.execute("PRAGMA foreign_keys = ON")
                if problems:
                    raise RuntimeError(f"foreign key violations after migrating: {problems}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
