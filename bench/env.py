"""The production-like environment the bench and the local cluster run the portal with.

``PORTAL_ENV=production`` with every check the portal makes there (https ``BASE_URL``, secure
cookies, Stripe, SMTP, Redis-backed rate limits, a Celery broker). What would need the outside
world stays local: Stripe is only reached through signed webhooks we sign ourselves (the bench
never calls its API from the servers), the SMTP host is on loopback, and every service runs on
127.0.0.1.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from portal.config import DEV_OPERATOR

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
WEBHOOK_SECRET = "whsec_bench_local_signing_secret_0123456789"  # noqa: S105 - local only
STRIPE_KEY = "sk_test_bench_local"  # never leaves the machine: the bench calls no Stripe API


def database_url(name: str) -> str:
    return f"{PG_ADMIN.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"


def fresh_database(name: str) -> str:
    """Drop and create ``name`` on the local PostgreSQL; returns its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_ADMIN}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def production_env(
    *,
    database: str,
    redis_url: str,
    secret_key: str | None = None,
    smtp_port: int = 2525,
    **extra: str,
) -> dict[str, str]:
    """The environment of a production-mode portal process on this machine."""
    inherited = ("DATABASE_URL", "CELERY", "SMTP_", "MAIL_", "STRIPE_", "PORTAL_", "REDIS")
    env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    env.update(
        PORTAL_ENV="production",
        SECRET_KEY=secret_key or secrets.token_urlsafe(48),
        DATABASE_URL=database_url(database),
        BASE_URL="https://portal.bench.invalid",
        LOG_FORMAT="json",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_SECURITY="none",
        MAIL_FROM="Portal de Acordos <nao-responda@portal.bench.invalid>",
        PAYMENT_PROVIDER="stripe",
        STRIPE_SECRET_KEY=STRIPE_KEY,
        STRIPE_WEBHOOK_SECRETS=WEBHOOK_SECRET,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        **DEV_OPERATOR,
    )
    env.update(extra)
    return env
