"""Shared set-up for the ``pix_api`` tests: the test PKI, the fake PSP and a provider for it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask import Flask

from portal.adapters.payments.base import DueTerms, Payee, Payer
from portal.adapters.payments.pix_api import PixApiClient, PixApiProvider
from tests.fake_pix_api import CLIENT_ID, CLIENT_SECRET, FakePixApi
from tests.pix_certs import Pki

PAYEE = Payee(
    name="Credora S.A.",
    cnpj="11.222.333/0001-81",
    city="São Paulo",
    pix_key="pix@credora.example.com",
)
WEBHOOK_SECRET = "s3cr3t-path-0123456789abcdefghijklmnop"


def client_for(fake: FakePixApi, pki: Pki, **overrides: object) -> PixApiClient:
    options: dict[str, object] = {
        "base_url": fake.url,
        "token_url": f"{fake.url}/oauth/token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "cert_file": str(pki.client_cert),
        "key_file": str(pki.client_key),
        "ca_file": str(pki.ca),
        "timeout": (2.0, 5.0),
    }
    options.update(overrides)
    return PixApiClient(**options)  # type: ignore[arg-type]


def provider_for(fake: FakePixApi, pki: Pki, **overrides: object) -> PixApiProvider:
    return PixApiProvider(client_for(fake, pki, **overrides))


def terms(due: date, *, days: int = 30, payer: str = "52998224725") -> DueTerms:
    return DueTerms(
        due_date=due,
        days_valid_after_due=days,
        multa_pct=Decimal(2),
        juros_monthly_pct=Decimal(1),
        payer=Payer(document=payer, name="Maria da Silva"),
    )


def in_an_hour() -> datetime:
    return datetime.now(UTC) + timedelta(hours=1)


@contextmanager
def pix_api_app(
    app: Flask, fake: FakePixApi, pki: Pki, *, push: bool = True, **config: object
) -> Iterator[Flask]:
    """The session app with the pix_api provider (through the fake PSP); ``push=False`` for
    page tests (an outer app context would share ``g`` between their requests)."""
    previous_provider = app.extensions["payment_provider"]
    keys = ("PAYMENT_PROVIDER", "PIX_API_WEBHOOK_SECRET", "PIX_API_WEBHOOK_ALLOWED_IPS")
    previous = {key: app.config.get(key) for key in keys}
    app.extensions["payment_provider"] = provider_for(fake, pki)
    app.config.update(
        PAYMENT_PROVIDER="pix_api",
        PIX_API_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PIX_API_WEBHOOK_ALLOWED_IPS=(),
        **config,
    )
    try:
        if push:
            with app.app_context():
                yield app
        else:
            yield app
    finally:
        app.extensions["payment_provider"].client.close()
        app.extensions["payment_provider"] = previous_provider
        app.config.update(previous)


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)
