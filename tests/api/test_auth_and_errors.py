"""API keys, problem details, content types, sizes and per-key rate limits (E6, E7, E11)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from portal.core.clock import now_utc
from portal.core.context import SYSTEM
from portal.core.tokens import hash_key
from portal.extensions import db
from portal.models import ApiKey, AuditEvent
from portal.services.integration import revoke_key, rotate_key
from tests.api.conftest import Company, make_company

DEBTOR = {"document": "037.104.211-95", "name": "Maria Souza"}


def test_no_or_bad_key_answers_401_problem_json(company: Company) -> None:
    for headers in ({}, {"Authorization": "Bearer dpk_wrong"}, {"Authorization": "Basic x"}):
        response = company.client.get("/api/v1/items", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 401


def test_only_the_hash_of_a_key_is_stored(company: Company) -> None:
    key = db.session.scalars(
        sa.select(ApiKey).where(ApiKey.creditor_id == company.creditor.id)
    ).one()
    assert key.secret_hash == hash_key(company.secret)
    assert company.secret not in {key.prefix, key.secret_hash, key.name}
    assert company.secret.startswith(key.prefix) and len(company.secret) >= 4 + 43
    audit = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "api_key.created")
    ).all()
    assert any(company.secret not in str(e.details) for e in audit)


def test_revoked_and_rotated_keys(app: Flask, company: Company) -> None:
    key = db.session.scalars(
        sa.select(ApiKey).where(ApiKey.creditor_id == company.creditor.id)
    ).one()
    replacement, new_secret = rotate_key(db.session, key, actor=SYSTEM, now=now_utc())
    db.session.commit()
    assert company.get("/api/v1/items").status_code == 200  # old key: 24 h of grace
    fresh = company.client.get("/api/v1/items", headers={"Authorization": f"Bearer {new_secret}"})
    assert fresh.status_code == 200
    revoke_key(db.session, key, actor=SYSTEM, now=now_utc())
    db.session.commit()
    assert company.get("/api/v1/items").status_code == 401
    assert replacement.revoked_at is None


def test_json_only_with_415_and_413(app: Flask, company: Company) -> None:
    wrong = company.client.post(
        "/api/v1/debtors", data="document=1", headers={**company.headers}, content_type="text/plain"
    )
    assert wrong.status_code == 415 and wrong.json["code"] == "unsupported_media_type"
    broken = company.client.post(
        "/api/v1/debtors", data="{", headers=company.headers, content_type="application/json"
    )
    assert broken.status_code == 400 and broken.json["code"] == "invalid_json"
    big = company.client.post(
        "/api/v1/debtors",
        data=b"[" + b"1," * (app.config["API_MAX_BODY_BYTES"] // 2) + b"1]",
        headers=company.headers,
        content_type="application/json",
    )
    assert big.status_code == 413
    assert big.mimetype == "application/problem+json"


def test_unknown_fields_are_refused_mass_assignment(company: Company) -> None:
    response = company.post("/api/v1/debtors", json={**DEBTOR, "id": 1, "session_version": 9})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"id", "session_version"}


def test_rate_limit_per_key_with_retry_after(app: Flask) -> None:
    """Scenario 36: beyond the bucket → 429 with Retry-After; other companies unaffected."""
    saved = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        noisy, quiet = make_company(app), make_company(app)
        codes = [noisy.get("/api/v1/items").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = noisy.get("/api/v1/items")
        assert limited.mimetype == "application/problem+json"
        assert int(limited.headers["Retry-After"]) >= 1
        assert quiet.get("/api/v1/items").status_code == 200
    finally:
        app.config["API_RATE_LIMIT"] = saved


def test_a_500_is_problem_json_without_a_traceback(app: Flask, company: Company) -> None:
    from portal.api import spec

    def explode(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom with secret details")

    original = app.view_functions["api.list_items"]
    app.view_functions["api.list_items"] = explode
    try:
        response = company.get("/api/v1/items")
    finally:
        app.view_functions["api.list_items"] = original
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "boom" not in response.get_data(as_text=True)
    assert spec.REGISTRY  # the registry survived
