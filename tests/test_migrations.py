"""migrations/: the schema comes only from migrations, and they match the models."""

from __future__ import annotations

import re
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from portal.extensions import db
from tests.conftest import _fresh_postgres, make_test_app

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def test_models_and_migrations_agree(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def test_revision_ids_are_sequential() -> None:
    files = sorted(p.name for p in VERSIONS.glob("*.py"))
    assert files, "no migrations"
    previous = None
    for number, name in enumerate(files, start=1):
        assert name.startswith(f"{number:04d}_"), name
        text = (VERSIONS / name).read_text()
        assert re.search(rf"^revision = ['\"]{number:04d}['\"]", text, re.M), name
        expected_down = "None" if previous is None else f"['\"]{previous}['\"]"
        assert re.search(rf"^down_revision = {expected_down}", text, re.M), name
        previous = f"{number:04d}"


def test_upgrade_downgrade_round_trip(tmp_path: Path, is_postgres: bool, database_uri: str) -> None:
    if is_postgres:
        uri = _fresh_postgres(
            sa.make_url(database_uri)
            .set(database=f"{sa.make_url(database_uri).database}_roundtrip")
            .render_as_string(hide_password=False)
        )
    else:
        uri = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    scratch = make_test_app(uri)
    with scratch.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        flask_migrate.upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"creditors", "debtors", "pending_items", "audit_events"} <= tables
        db.engine.dispose()


@pytest.mark.parametrize("table", ["creditors", "debtors", "pending_items", "audit_events"])
def test_tables_exist_in_test_database(app: Flask, table: str) -> None:
    with app.app_context():
        assert table in sa.inspect(db.engine).get_table_names()
