"""Configuration: the only module that reads the environment.

Every setting comes from an environment variable (a ``.env`` file is honoured through
python-dotenv). ``load_settings`` validates them and returns a plain mapping for
``app.config``; a problem raises :class:`ConfigError` whose message is one line naming the
variable, so an operator sees at once what to fix.

Two modes:

* ``development`` (the default): nothing needs to be set. SQLite under ``instance/``,
  Celery tasks run eagerly, e-mail goes to the development outbox, sandbox payments.
* ``production``: refuses to start without ``SECRET_KEY``, ``DATABASE_URL``, ``BASE_URL``
  and the operator's identity (shown in every page footer, CDC art. 42-A).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from portal.config_messaging import text_messaging_settings
from portal.config_pix import pix_api_settings

MODES = ("development", "production")

# A fixed, clearly labelled key for the embedded default only. Production refuses to start
# without its own SECRET_KEY; secrets are never generated at run time (they would differ
# between app servers and change on every restart).
DEV_SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32

# Footer identity of the portal operator used in development (fictitious data).
DEV_OPERATOR = {
    "OPERATOR_LEGAL_NAME": "Portal de Acordos Demonstração Ltda.",
    "OPERATOR_CNPJ": "11222333000181",
    "OPERATOR_ADDRESS": "Av. Paulista, 1000, Bela Vista, São Paulo - SP, 01310-100",
}


class ConfigError(Exception):
    """A configuration problem, explained in one line that names the variable."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _int(name: str, raw: str, *, minimum: int, maximum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ConfigError(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _database_url(env: Mapping[str, str], mode: str, instance_path: Path) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        if mode == "production":
            raise ConfigError(
                "DATABASE_URL is required in production "
                "(e.g. postgresql://user:password@host:5432/portal)"
            )
        return f"sqlite:///{instance_path / 'portal.sqlite3'}"
    url = normalise_database_url(url)
    scheme = url.split(":", 1)[0]
    if scheme not in {"sqlite", "postgresql+psycopg"}:
        raise ConfigError(f"DATABASE_URL must be a postgresql:// or sqlite:// URL, got {scheme}://")
    if mode == "production" and scheme == "sqlite":
        raise ConfigError(
            "DATABASE_URL must point to PostgreSQL in production "
            "(SQLite cannot be shared by several app servers)"
        )
    return url


def _base_url(env: Mapping[str, str], mode: str) -> str:
    raw = env.get("BASE_URL", "").strip()
    if not raw:
        if mode == "production":
            raise ConfigError(
                "BASE_URL is required in production: the public address used in every link "
                "we send (e.g. https://acordos.example.com.br)"
            )
        raw = f"http://127.0.0.1:{env.get('PORT', '5000')}"
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"BASE_URL must be an absolute http(s) URL, got {raw!r}")
    if parts.query or parts.fragment:
        raise ConfigError("BASE_URL must not carry a query string or fragment")
    if mode == "production" and parts.scheme != "https":
        raise ConfigError("BASE_URL must use https in production")
    return raw.rstrip("/")


def _secret_key(env: Mapping[str, str], mode: str) -> str:
    key = env.get("SECRET_KEY", "")
    if not key:
        if mode == "production":
            raise ConfigError(
                "SECRET_KEY is required in production (generate one with: "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return DEV_SECRET_KEY
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters long")
    if mode == "production" and key == DEV_SECRET_KEY:
        raise ConfigError("SECRET_KEY must not be the development key in production")
    return key


def _operator(env: Mapping[str, str], mode: str) -> dict[str, str]:
    from portal.domain.documents import InvalidDocument, normalise_cnpj

    values: dict[str, str] = {}
    for name, default in DEV_OPERATOR.items():
        value = env.get(name, "").strip()
        if not value:
            if mode == "production":
                raise ConfigError(
                    f"{name} is required in production: the operator's identity is shown "
                    "in every page footer (CDC art. 42-A)"
                )
            value = default
        values[name] = value
    try:
        values["OPERATOR_CNPJ"] = normalise_cnpj(values["OPERATOR_CNPJ"])
    except InvalidDocument:
        raise ConfigError("OPERATOR_CNPJ is not a valid CNPJ") from None
    return values


def _mail(env: Mapping[str, str], mode: str, instance_path: Path) -> dict[str, Any]:
    """SMTP in production; in development SMTP if SMTP_HOST is set, else the dev outbox."""
    host = env.get("SMTP_HOST", "").strip()
    if not host and mode == "production":
        raise ConfigError("SMTP_HOST is required in production (e-mail is how debtors get in)")
    security = env.get("SMTP_SECURITY", "starttls").strip().lower()
    if security not in {"starttls", "ssl", "none"}:
        raise ConfigError(f"SMTP_SECURITY must be starttls, ssl or none, got {security!r}")
    default_port = {"starttls": "587", "ssl": "465", "none": "25"}[security]
    sender = env.get("MAIL_FROM", "").strip()
    if not sender:
        if mode == "production":
            raise ConfigError("MAIL_FROM is required in production (e.g. Portal <nao-responda@…>)")
        sender = "Portal de Acordos <nao-responda@portal.example.com>"
    if "@" not in sender:
        raise ConfigError(f"MAIL_FROM must hold an e-mail address, got {sender!r}")
    return {
        "EMAIL_BACKEND": "smtp" if host else "outbox",
        "SMTP_HOST": host or None,
        "SMTP_PORT": _int(
            "SMTP_PORT", env.get("SMTP_PORT", default_port), minimum=1, maximum=65535
        ),
        "SMTP_SECURITY": security,
        "SMTP_USERNAME": env.get("SMTP_USERNAME", "").strip() or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", "") or None,
        "SMTP_TIMEOUT": _int("SMTP_TIMEOUT", env.get("SMTP_TIMEOUT", "10"), minimum=1, maximum=120),
        "MAIL_FROM": sender,
        "MAIL_REPLY_TO": env.get("MAIL_REPLY_TO", "").strip() or None,
        "DEV_OUTBOX_DIR": env.get("DEV_OUTBOX_DIR", "").strip() or str(instance_path / "outbox"),
        # SMS and WhatsApp: only the development outbox exists so far; real providers later.
        "TEXT_MESSAGE_BACKEND": "outbox" if mode == "development" else "none",
    }


def _access(env: Mapping[str, str]) -> dict[str, Any]:
    """Lifetimes and limits of debtor access (figures: docs/requirements.md A, B)."""
    return {
        "MAGIC_LINK_TTL_MINUTES": _int(
            "MAGIC_LINK_TTL_MINUTES",
            env.get("MAGIC_LINK_TTL_MINUTES", "15"),
            minimum=1,
            maximum=60,
        ),
        "ACCESS_LINK_DEFAULT_DAYS": _int(
            "ACCESS_LINK_DEFAULT_DAYS",
            env.get("ACCESS_LINK_DEFAULT_DAYS", "7"),
            minimum=1,
            maximum=30,
        ),
        "ACCESS_LINK_MAX_DAYS": _int(
            "ACCESS_LINK_MAX_DAYS", env.get("ACCESS_LINK_MAX_DAYS", "30"), minimum=1, maximum=30
        ),
        "OTP_TTL_MINUTES": _int(
            "OTP_TTL_MINUTES", env.get("OTP_TTL_MINUTES", "10"), minimum=1, maximum=10
        ),
        "DEBTOR_IDLE_MINUTES": 15,
        "DEBTOR_ABSOLUTE_MINUTES": 120,
        "STAFF_IDLE_MINUTES": 30,
        "STAFF_ABSOLUTE_MINUTES": 12 * 60,
        # Flask-Limiter: memory in the embedded default (one process), Redis when configured.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "").strip()
        or env.get("REDIS_URL", "").strip()
        or "memory://",
        "RATELIMIT_LINK_REQUEST_IP": env.get("RATELIMIT_LINK_REQUEST_IP", "20 per hour"),
        "RATELIMIT_LINK_REQUEST_IDENTIFIER": env.get(
            "RATELIMIT_LINK_REQUEST_IDENTIFIER", "3 per 15 minutes; 10 per day"
        ),
        "RATELIMIT_AUTH_IP": env.get("RATELIMIT_AUTH_IP", "60 per hour"),
        "RATELIMIT_CODE_REQUEST": env.get("RATELIMIT_CODE_REQUEST", "3 per 15 minutes"),
    }


def _payments(env: Mapping[str, str], mode: str) -> dict[str, Any]:
    """Stripe in production; the sandbox (no keys, nothing leaves the machine) by default."""
    provider = env.get("PAYMENT_PROVIDER", "stripe" if mode == "production" else "sandbox")
    provider = provider.strip().lower()
    if provider not in {"stripe", "pix_api", "sandbox"}:
        raise ConfigError(f"PAYMENT_PROVIDER must be stripe, pix_api or sandbox, got {provider!r}")
    if provider == "sandbox" and mode == "production":
        raise ConfigError("PAYMENT_PROVIDER=sandbox is for development only, not production")
    secret = env.get("STRIPE_SECRET_KEY", "").strip()
    webhook_secrets = [
        s.strip() for s in env.get("STRIPE_WEBHOOK_SECRETS", "").split(",") if s.strip()
    ]
    if provider == "stripe":
        if not secret.startswith(("sk_", "rk_")):
            raise ConfigError("STRIPE_SECRET_KEY is required for Stripe (sk_live_… or rk_…)")
        if not webhook_secrets:
            raise ConfigError(
                "STRIPE_WEBHOOK_SECRETS is required for Stripe: the endpoint's signing secret(s), "
                "comma-separated during rotation (whsec_…)"
            )
    api_base = env.get("STRIPE_API_BASE", "").strip().rstrip("/")
    if api_base and urlsplit(api_base).scheme not in {"http", "https"}:
        raise ConfigError(f"STRIPE_API_BASE must be an http(s) URL, got {api_base!r}")
    pix_api = pix_api_settings(env, mode, ConfigError) if provider == "pix_api" else {}
    return {
        **pix_api,
        "PAYMENT_PROVIDER": provider,
        # Another address for Stripe's API: a local fake in the load tests (bench/, cluster/).
        "STRIPE_API_BASE": api_base or None,
        "STRIPE_SECRET_KEY": secret or None,
        "STRIPE_WEBHOOK_SECRETS": tuple(webhook_secrets),
        "PIX_EXPIRY_MINUTES": _int(
            "PIX_EXPIRY_MINUTES", env.get("PIX_EXPIRY_MINUTES", "60"), minimum=5, maximum=1440
        ),
        # A boleto is due this many calendar days after it is issued (23:59 in São Paulo).
        "BOLETO_EXPIRY_DAYS": _int(
            "BOLETO_EXPIRY_DAYS", env.get("BOLETO_EXPIRY_DAYS", "3"), minimum=1, maximum=30
        ),
        "CHECKOUT_EXPIRY_MINUTES": _int(
            "CHECKOUT_EXPIRY_MINUTES",
            env.get("CHECKOUT_EXPIRY_MINUTES", "60"),
            minimum=30,
            maximum=1440,
        ),
    }


def _integration(env: Mapping[str, str], mode: str) -> dict[str, Any]:
    """The company API and outgoing webhooks (requirements.md E6, E11-E15)."""
    development = mode != "production"
    allow_http = _bool(
        "WEBHOOKS_ALLOW_HTTP", env.get("WEBHOOKS_ALLOW_HTTP", "true" if development else "false")
    )
    allow_private = _bool(
        "WEBHOOKS_ALLOW_PRIVATE_NETWORKS", env.get("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", "false")
    )
    if not development and (allow_http or allow_private):
        raise ConfigError(
            "WEBHOOKS_ALLOW_HTTP and WEBHOOKS_ALLOW_PRIVATE_NETWORKS must be false in production "
            "(webhooks go only to public https URLs)"
        )
    return {
        "API_RATE_LIMIT": env.get("API_RATE_LIMIT", "600 per minute"),
        "API_MAX_BODY_BYTES": _int(
            "API_MAX_BODY_BYTES",
            env.get("API_MAX_BODY_BYTES", str(2 * 1024 * 1024)),
            minimum=1024,
            maximum=16 * 1024 * 1024,
        ),
        "WEBHOOKS_ALLOW_HTTP": allow_http,
        "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": allow_private,
        "WEBHOOK_TIMEOUT_SECONDS": 5,
        "WEBHOOK_MAX_ATTEMPTS": _int(
            "WEBHOOK_MAX_ATTEMPTS", env.get("WEBHOOK_MAX_ATTEMPTS", "8"), minimum=1, maximum=20
        ),
    }


def _clock(env: Mapping[str, str], mode: str) -> dict[str, Any]:
    """``CLOCK_OFFSET_DAYS`` shifts the app's clock by whole days, for browser tests and demos
    that must come back "a month later"; production always reads the real clock."""
    raw = env.get("CLOCK_OFFSET_DAYS", "").strip()
    if raw and mode == "production":
        raise ConfigError(
            "CLOCK_OFFSET_DAYS is for development and tests only; unset it in production "
            "(due dates, payments and documents follow the real clock)"
        )
    return {"CLOCK_OFFSET_DAYS": _int("CLOCK_OFFSET_DAYS", raw or "0", minimum=-3660, maximum=3660)}


def load_settings(
    env: Mapping[str, str] | None = None, *, instance_path: Path | None = None
) -> dict[str, Any]:
    """Read and validate the environment; return the settings for ``app.config``."""
    if env is None:
        env = os.environ
    instance_path = instance_path or Path.cwd() / "instance"
    mode = env.get("PORTAL_ENV", "development").strip().lower() or "development"
    if mode not in MODES:
        raise ConfigError(f"PORTAL_ENV must be one of {', '.join(MODES)}, got {mode!r}")
    production = mode == "production"

    broker = env.get("CELERY_BROKER_URL", "").strip()
    log_format = env.get("LOG_FORMAT", "json" if production else "text").strip().lower()
    if log_format not in {"json", "text"}:
        raise ConfigError(f"LOG_FORMAT must be json or text, got {log_format!r}")
    log_level = env.get("LOG_LEVEL", "INFO").strip().upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")

    settings: dict[str, Any] = {
        "PORTAL_ENV": mode,
        "DEBUG": False,
        "TESTING": False,
        "SECRET_KEY": _secret_key(env, mode),
        "SQLALCHEMY_DATABASE_URI": _database_url(env, mode, instance_path),
        "BASE_URL": _base_url(env, mode),
        "CELERY_BROKER_URL": broker or None,
        "CELERY_RESULT_BACKEND": env.get("CELERY_RESULT_BACKEND", "").strip() or None,
        # Provider webhooks record the event and answer; a worker applies it. Without a
        # broker (no worker) the webhook applies it itself (portal.services.payments.inbox).
        "PROVIDER_EVENTS_INLINE": not broker,
        "LOG_FORMAT": log_format,
        "LOG_LEVEL": log_level,
        "TRUSTED_PROXIES": _int(
            "TRUSTED_PROXIES", env.get("TRUSTED_PROXIES", "0"), minimum=0, maximum=5
        ),
        "MAX_CONTENT_LENGTH": _int(
            "MAX_CONTENT_LENGTH",
            env.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024)),
            minimum=1024,
            maximum=512 * 1024 * 1024,
        ),
        "SESSION_COOKIE_SECURE": _bool(
            "SESSION_COOKIE_SECURE", env.get("SESSION_COOKIE_SECURE", str(production))
        ),
        "BABEL_DEFAULT_LOCALE": "pt_BR",
        "BABEL_DEFAULT_TIMEZONE": "America/Sao_Paulo",
        "SUPPORTED_LOCALES": ("pt_BR", "en"),
    }
    settings.update(_operator(env, mode))
    settings.update(_mail(env, mode, instance_path))
    settings.update(_access(env))
    settings.update(_payments(env, mode))
    settings.update(_integration(env, mode))
    settings.update(text_messaging_settings(env, mode, ConfigError))
    settings.update(_clock(env, mode))
    if production and settings["SESSION_COOKIE_SECURE"] is False:
        raise ConfigError("SESSION_COOKIE_SECURE cannot be false in production")
    return settings
