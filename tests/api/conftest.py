"""Fixtures for /api/v1: a creditor with an API key, and a client that sends it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.core.context import SYSTEM
from portal.extensions import db
from portal.models import Creditor
from portal.services.integration import create_key
from tests.api.live_server import live_api  # noqa: F401  (one live server per session)
from tests.factories import create_creditor


@dataclass
class Company:
    creditor: Creditor
    secret: str
    client: FlaskClient

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(
            path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs
        )

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.post(path, json=json, headers=headers, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.patch(path, json=json, headers=headers, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self.headers, **kwargs)


def company_for(app: Flask, creditor: Creditor) -> Company:
    """An API key for an existing creditor, and a client that sends it."""
    _, secret = create_key(db.session, creditor.id, "integração", actor=SYSTEM)
    db.session.commit()
    return Company(creditor, secret, app.test_client())


def make_company(app: Flask, **creditor: Any) -> Company:
    return company_for(app, create_creditor(**creditor))


@pytest.fixture
def company(app: Flask) -> Company:
    return make_company(app)


@pytest.fixture
def other_company(app: Flask) -> Company:
    return make_company(app)
