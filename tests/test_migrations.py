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


def test_0012_caps_stored_juros_de_mora_at_one_percent(tmp_path: Path) -> None:
    """A version published with juros above 1 % a.m. (allowed before) still loads afterwards."""
    import json
    from decimal import Decimal

    from portal.demo.policies import demo_policies
    from portal.domain.charges import ChargeRules
    from portal.domain.errors import InvalidPolicy
    from portal.models import PolicyVersion
    from portal.services.policies import policy_of, policy_terms

    scratch = make_test_app(f"sqlite:///{tmp_path / 'juros.sqlite3'}")
    terms = policy_terms(demo_policies()["energia"])
    above = {**terms, "charges": {**terms["charges"], "juros_monthly_pct": "2.5"}}
    policies = sa.table("negotiation_policies", sa.column("id"), sa.column("terms", sa.JSON()))
    with scratch.app_context():
        flask_migrate.upgrade(revision="0010")
        raw = db.engine.raw_connection()  # autocommit, as the app's SQLite connections are
        try:
            cursor = raw.cursor()
            for row_id, stored in ((1, above), (2, terms)):
                cursor.execute(
                    "INSERT INTO creditors (id, legal_name, trade_name, cnpj, address_line, city, "
                    "state, postal_code, brand_color, created_at, updated_at) VALUES (?, 'C', 'C', "
                    "?, 'R', 'Recife', 'PE', '50000000', '#1b5e7a', ?, ?)",
                    (row_id, f"{row_id:014d}", *["2026-01-01 00:00:00.000000"] * 2),
                )
                cursor.execute(
                    "INSERT INTO negotiation_policies (id, creditor_id, version, terms, "
                    "created_at, created_by_type) VALUES (?, ?, 1, ?, ?, 'system')",
                    (row_id, row_id, json.dumps(stored), "2026-01-01 00:00:00.000000"),
                )
        finally:
            raw.close()
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            rows = dict(connection.execute(sa.select(policies.c.id, policies.c.terms)).all())
        db.engine.dispose()
    assert rows[1]["charges"]["juros_monthly_pct"] == "1"
    assert rows[1] == {**above, "charges": {**above["charges"], "juros_monthly_pct": "1"}}
    assert rows[2] == terms  # within the cap: untouched
    # The capped version loads again; as stored before, the engine refuses it.
    assert policy_of(PolicyVersion(creditor_id=1, version=1, terms=rows[1])).charges == (
        ChargeRules(Decimal(2), Decimal(1))
    )
    with pytest.raises(InvalidPolicy):
        policy_of(PolicyVersion(creditor_id=1, version=1, terms=above))


def test_0015_gives_each_company_its_own_copy_of_todays_contact_data(
    tmp_path: Path, is_postgres: bool, database_uri: str
) -> None:
    """Every company with items for a debtor gets a relationship carrying the contact data
    the shared debtor row had; the downgrade puts one copy back on the debtor."""
    if is_postgres:
        url = sa.make_url(database_uri)
        uri = _fresh_postgres(
            url.set(database=f"{url.database}_0015").render_as_string(hide_password=False)
        )
    else:
        uri = f"sqlite:///{tmp_path / 'data.sqlite3'}"
    scratch = make_test_app(uri)
    now = "2026-01-02 03:04:05"
    with scratch.app_context():
        flask_migrate.upgrade(revision="0014")
        with db.engine.begin() as c:
            for n, cnpj in ((1, "11222333000181"), (2, "11444777000161"), (3, "45723174000110")):
                c.execute(
                    sa.text(
                        "INSERT INTO creditors (id, legal_name, trade_name, cnpj, address_line,"
                        " city, state, postal_code, brand_color, created_at, updated_at) VALUES"
                        " (:n, :name, :name, :cnpj, 'Rua 1', 'Curitiba', 'PR', '80010000',"
                        " '#224466', :now, :now)"
                    ),
                    {"n": n, "name": f"Credora {n}", "cnpj": cnpj, "now": now},
                )
            c.execute(
                sa.text(
                    "INSERT INTO debtors (id, name, document_type, document, email, phone,"
                    " birth_date, created_at, updated_at, session_version) VALUES (1, 'Maria"
                    " Souza', 'cpf', '52998224725', 'maria@example.com', '+5541999990000',"
                    " '1985-06-15', :now, :now, 0)"
                ),
                {"now": now},
            )
            for ref, creditor in (("A-1", 1), ("A-2", 1), ("B-1", 2)):
                c.execute(
                    sa.text(
                        "INSERT INTO pending_items (creditor_id, debtor_id, external_reference,"
                        " description, original_amount_cents, original_due_date, status,"
                        " credited_cents, created_at, updated_at) VALUES (:c, 1, :ref, 'x',"
                        " 100, '2026-01-01', 'open', 0, :now, :now)"
                    ),
                    {"c": creditor, "ref": ref, "now": now},
                )
            # Company 1 had pushed the debtor through the API already (0009 relationship).
            c.execute(
                sa.text(
                    "INSERT INTO creditor_debtors (creditor_id, debtor_id, created_at,"
                    " updated_at) VALUES (1, 1, :now, :now)"
                ),
                {"now": now},
            )
        flask_migrate.upgrade(revision="0015")
        with db.engine.connect() as c:
            rows = c.execute(
                sa.text(
                    "SELECT creditor_id, name, email, phone, birth_date FROM creditor_debtors"
                    " ORDER BY creditor_id"
                )
            ).all()
            debtor_columns = {col["name"] for col in sa.inspect(c).get_columns("debtors")}
        assert [(r[0], r[1], r[2], r[3], str(r[4])) for r in rows] == [
            (1, "Maria Souza", "maria@example.com", "+5541999990000", "1985-06-15"),
            (2, "Maria Souza", "maria@example.com", "+5541999990000", "1985-06-15"),
        ]  # company 3 has no items: no relationship
        assert not {"name", "email", "phone", "birth_date"} & debtor_columns
        flask_migrate.downgrade(revision="0014")
        with db.engine.connect() as c:
            back = c.execute(sa.text("SELECT name, email, phone FROM debtors")).one()
        assert tuple(back) == ("Maria Souza", "maria@example.com", "+5541999990000")
        db.engine.dispose()


def test_0019_dates_items_already_paid_by_their_last_update(tmp_path: Path) -> None:
    """Items paid before the removal tracker existed take their last update as ``paid_at``;
    open items stay without one; nothing is reported to a bureau by default."""
    scratch = make_test_app(f"sqlite:///{tmp_path / 'bureau.sqlite3'}")
    stamp = "2026-03-02 15:00:00.000000"
    with scratch.app_context():
        flask_migrate.upgrade(revision="0016")
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(
                "INSERT INTO creditors (id, legal_name, trade_name, cnpj, address_line, city, "
                "state, postal_code, brand_color, created_at, updated_at) VALUES (1, 'C', 'C', "
                "'00000000000001', 'R', 'Recife', 'PE', '50000000', '#1b5e7a', ?, ?)",
                (stamp, stamp),
            )
            cursor.execute(
                "INSERT INTO debtors (id, document_type, document, created_at, updated_at) "
                "VALUES (1, 'cpf', '52998224725', ?, ?)",
                (stamp, stamp),
            )
            for row_id, status in ((1, "paid"), (2, "open")):
                cursor.execute(
                    "INSERT INTO pending_items (id, creditor_id, debtor_id, external_reference, "
                    "description, original_amount_cents, original_due_date, status, "
                    "credited_cents, created_at, updated_at) "
                    "VALUES (?, 1, 1, ?, 'x', 100, '2026-01-10', ?, 0, ?, ?)",
                    (row_id, f"R{row_id}", status, stamp, stamp),
                )
        finally:
            raw.close()
        flask_migrate.upgrade()
        items = sa.table(
            "pending_items",
            sa.column("id"),
            sa.column("paid_at"),
            sa.column("bureau_reported"),
            sa.column("bureau_removed_on"),
        )
        with db.engine.connect() as connection:
            rows = {r.id: r for r in connection.execute(sa.select(items)).all()}
        db.engine.dispose()
    assert str(rows[1].paid_at).startswith("2026-03-02 15:00:00")
    assert rows[2].paid_at is None
    assert not rows[1].bureau_reported and rows[1].bureau_removed_on is None


def test_0020_folds_the_names_already_on_file(
    tmp_path: Path, is_postgres: bool, database_uri: str
) -> None:
    """Names written before 0020 get their folded form, so staff search finds them."""
    if is_postgres:
        url = sa.make_url(database_uri)
        uri = _fresh_postgres(
            url.set(database=f"{url.database}_0020").render_as_string(hide_password=False)
        )
    else:
        uri = f"sqlite:///{tmp_path / 'fold.sqlite3'}"
    scratch = make_test_app(uri)
    now = "2026-01-02 03:04:05"
    with scratch.app_context():
        flask_migrate.upgrade(revision="0019")
        with db.engine.begin() as c:
            c.execute(
                sa.text(
                    "INSERT INTO creditors (id, legal_name, trade_name, cnpj, address_line,"
                    " city, state, postal_code, brand_color, created_at, updated_at) VALUES"
                    " (1, 'Credora', 'Credora', '11222333000181', 'Rua 1', 'Curitiba', 'PR',"
                    " '80010000', '#224466', :now, :now)"
                ),
                {"now": now},
            )
            for n, cpf in ((1, "52998224725"), (2, "11144477735")):
                c.execute(
                    sa.text(
                        "INSERT INTO debtors (id, document_type, document, created_at,"
                        " updated_at, session_version) VALUES (:n, 'cpf', :cpf, :now, :now, 0)"
                    ),
                    {"n": n, "cpf": cpf, "now": now},
                )
            for n, name in ((1, "João  da Silva"), (2, "ANTÔNIA Conceição")):
                c.execute(
                    sa.text(
                        "INSERT INTO creditor_debtors (creditor_id, debtor_id, name, created_at,"
                        " updated_at) VALUES (1, :n, :name, :now, :now)"
                    ),
                    {"n": n, "name": name, "now": now},
                )
        flask_migrate.upgrade()
        with db.engine.connect() as c:
            folded = c.execute(
                sa.text("SELECT search_name FROM creditor_debtors ORDER BY debtor_id")
            ).scalars()
            assert list(folded) == ["joao da silva", "antonia conceicao"]
        flask_migrate.downgrade(revision="0019")
        with db.engine.connect() as c:
            columns = {col["name"] for col in sa.inspect(c).get_columns("creditor_debtors")}
        assert "search_name" not in columns
        db.engine.dispose()
