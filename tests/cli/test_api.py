"""``create-api-key`` and ``jobs webhooks``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from portal.core.tokens import hash_key
from portal.extensions import db
from portal.models import ApiKey
from tests.factories import create_creditor


def test_create_api_key_prints_a_working_key_once(app: Flask) -> None:
    creditor = create_creditor()
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-api-key", "--creditor", creditor.cnpj, "--name", "ERP"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.splitlines()[0].strip()
    key = db.session.scalars(sa.select(ApiKey).where(ApiKey.creditor_id == creditor.id)).one()
    assert key.secret_hash == hash_key(secret)
    response = app.test_client().get("/api/v1/items", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    unknown = runner.invoke(args=["create-api-key", "--creditor", "999999"])
    assert unknown.exit_code != 0 and "nenhuma empresa" in unknown.output


def test_jobs_webhooks_runs(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["jobs", "webhooks"])
    assert result.exit_code == 0, result.output
    assert "entregas tentadas" in result.output
