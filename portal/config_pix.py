"""Settings of the ``pix_api`` payment provider (``PAYMENT_PROVIDER=pix_api``), validated at
start-up: each problem stops the process with one line naming the variable (docs/payments.md).

The PSP's API is reached over mutual TLS: the client certificate and its key are files the
process must be able to read; in production the API and token URLs must be https. The webhook
(``/callbacks/pix``) is authenticated by mutual TLS at the reverse proxy plus, in the app, a
secret in its path (``PIX_API_WEBHOOK_SECRET``) or the PSP's addresses
(``PIX_API_WEBHOOK_ALLOWED_IPS``): production needs at least one of the two.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from portal.adapters.payments.pix_api.client import DEFAULT_SCOPES

_LOCAL = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}  # noqa: S104 - compared, not bound
_SECRET = re.compile(r"[A-Za-z0-9_-]{32,128}")


class PixConfigError(Exception):
    """One clear line about one variable (raised as the caller's ``ConfigError``)."""


def _url(env: Mapping[str, str], name: str, mode: str, default: str = "") -> str:
    url = env.get(name, default).strip().rstrip("/")
    if not url:
        raise PixConfigError(f"{name} is required with PAYMENT_PROVIDER=pix_api")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise PixConfigError(f"{name} must be an https URL, got {url!r}")
    if mode == "production" and parts.scheme != "https":
        raise PixConfigError(f"{name} must use https in production (mutual TLS with the PSP)")
    if mode == "production" and (parts.hostname or "") in _LOCAL:
        raise PixConfigError(f"{name} points to this machine: a fake PSP is for tests only")
    return url


def _readable(env: Mapping[str, str], name: str, what: str, *, required: bool) -> str | None:
    path = env.get(name, "").strip()
    if not path:
        if required:
            raise PixConfigError(f"{name} is required with PAYMENT_PROVIDER=pix_api ({what})")
        return None
    if not os.path.isfile(path):
        raise PixConfigError(f"{name} points to a missing file: {path} ({what})")
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        raise PixConfigError(f"{name} cannot be read: {path} ({exc.strerror})") from None
    if b"-----BEGIN" not in head:
        raise PixConfigError(f"{name} is not a PEM file: {path} ({what})")
    return path


def _networks(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("PIX_API_WEBHOOK_ALLOWED_IPS", "")
    found = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise PixConfigError(
                f"PIX_API_WEBHOOK_ALLOWED_IPS holds {item!r}, not an IP address or network"
            ) from None
    return tuple(found)


_ACCOUNT = re.compile(r"(CORRENTE|POUPANCA|PAGAMENTO):([0-9]{1,4}):([0-9A-Za-z-]{1,20})")


def _account(env: Mapping[str, str]) -> dict[str, str] | None:
    """``PIX_API_RECEIVER_ACCOUNT`` (optional, for Pix Automático's ``cobr``): the company's
    account at the PSP as ``TIPO:agencia:conta``, e.g. ``CORRENTE:0001:123456-7``."""
    raw = env.get("PIX_API_RECEIVER_ACCOUNT", "").strip()
    if not raw:
        return None
    found = _ACCOUNT.fullmatch(raw)
    if found is None:
        raise PixConfigError(
            "PIX_API_RECEIVER_ACCOUNT must be TIPO:agencia:conta (TIPO CORRENTE, POUPANCA or "
            "PAGAMENTO), e.g. CORRENTE:0001:123456-7"
        )
    kind, branch, account = found.groups()
    return {"tipoConta": kind, "agencia": branch, "conta": account}


def pix_api_settings(
    env: Mapping[str, str], mode: str, error: type[Exception] = PixConfigError
) -> dict[str, Any]:
    """The ``PIX_API_*`` settings (only called with ``PAYMENT_PROVIDER=pix_api``); a problem
    raises ``error`` with one line."""
    try:
        return _settings(env, mode)
    except PixConfigError as exc:
        raise error(str(exc)) from None


def _settings(env: Mapping[str, str], mode: str) -> dict[str, Any]:
    base_url = _url(env, "PIX_API_BASE_URL", mode)
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
    token_url = _url(env, "PIX_API_TOKEN_URL", mode, f"{origin}/oauth/token")
    client_id = env.get("PIX_API_CLIENT_ID", "").strip()
    client_secret = env.get("PIX_API_CLIENT_SECRET", "").strip()
    if not client_id:
        raise PixConfigError("PIX_API_CLIENT_ID is required with PAYMENT_PROVIDER=pix_api")
    if not client_secret:
        raise PixConfigError("PIX_API_CLIENT_SECRET is required with PAYMENT_PROVIDER=pix_api")
    production = mode == "production"
    cert = _readable(
        env, "PIX_API_CERT_FILE", "the client certificate the PSP issued", required=production
    )
    key = _readable(env, "PIX_API_KEY_FILE", "the client certificate's key", required=bool(cert))
    ca = _readable(env, "PIX_API_CA_FILE", "the PSP's CA bundle", required=False)
    secret = env.get("PIX_API_WEBHOOK_SECRET", "").strip()
    if secret and not _SECRET.fullmatch(secret):
        raise PixConfigError(
            "PIX_API_WEBHOOK_SECRET must be 32-128 letters, digits, '-' or '_' "
            "(python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    allowed = _networks(env)
    if production and not (secret or allowed):
        raise PixConfigError(
            "PIX_API_WEBHOOK_SECRET or PIX_API_WEBHOOK_ALLOWED_IPS is required in production: "
            "the Pix webhook must be authenticated beyond the proxy's mutual TLS"
        )
    return {
        "PIX_API_RECEIVER_ACCOUNT": _account(env),
        "PIX_API_BASE_URL": base_url,
        "PIX_API_TOKEN_URL": token_url,
        "PIX_API_CLIENT_ID": client_id,
        "PIX_API_CLIENT_SECRET": client_secret,
        "PIX_API_CERT_FILE": cert,
        "PIX_API_KEY_FILE": key,
        "PIX_API_CA_FILE": ca,
        "PIX_API_SCOPES": env.get("PIX_API_SCOPES", DEFAULT_SCOPES).strip() or DEFAULT_SCOPES,
        "PIX_API_WEBHOOK_SECRET": secret or None,
        "PIX_API_WEBHOOK_ALLOWED_IPS": allowed,
    }
