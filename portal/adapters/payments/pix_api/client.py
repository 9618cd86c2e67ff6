"""HTTP to a PSP's API Pix: mutual TLS, OAuth 2 client credentials, one pooled session.

The BCB's "Manual de Segurança do Pix" asks for mutual TLS on every call (the token endpoint
included) and an OAuth 2 ``client_credentials`` token in ``Authorization: Bearer``. One
``requests.Session`` keeps the connections (and the TLS sessions) alive between calls; every
call has a connect and a read timeout. The token is cached until 30 s before it expires and
renewed once if the API answers 401.

Errors come back as :class:`PixApiError` (a ``ProviderError``) with the RFC 7807 problem's type
and title, never the ``violacoes`` values (they may hold a CPF).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from portal.adapters.payments.base import ProviderError

log = logging.getLogger(__name__)
DEFAULT_SCOPES = "cob.write cob.read cobv.write cobv.read pix.write pix.read"
TOKEN_MARGIN_SECONDS = 30


class PixApiError(ProviderError):
    """The API answered an error (``status``; the problem's ``kind`` such as ``NaoEncontrado``)."""

    def __init__(self, message: str, *, status: int | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


class PixApiClient:
    def __init__(
        self,
        *,
        base_url: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        cert_file: str | None,
        key_file: str | None,
        ca_file: str | None = None,
        scopes: str = DEFAULT_SCOPES,
        timeout: tuple[float, float] = (5.0, 20.0),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url
        self._credentials = (client_id, client_secret)
        self._scopes = scopes
        self._timeout = timeout
        self._monotonic = monotonic
        self._token: str | None = None
        self._token_until = 0.0
        self._lock = threading.Lock()
        self.token_requests = 0
        session = requests.Session()
        if cert_file:
            session.cert = (cert_file, key_file) if key_file else cert_file
        # Passed with every request too: requests lets REQUESTS_CA_BUNDLE override the
        # session's ``verify``, and the PSP's own CA must win.
        self._verify: str | bool = ca_file or True
        session.verify = self._verify
        pool = HTTPAdapter(pool_connections=2, pool_maxsize=10, max_retries=0)
        session.mount("https://", pool)
        session.mount("http://", pool)
        session.headers.update({"Accept": "application/json"})
        self.session = session

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------------ OAuth 2

    def token(self) -> str:
        """The cached access token, or a new one (client credentials over the same mTLS)."""
        with self._lock:
            if self._token and self._monotonic() < self._token_until:
                return self._token
            try:
                response = self.session.post(
                    self.token_url,
                    data={"grant_type": "client_credentials", "scope": self._scopes},
                    auth=self._credentials,
                    timeout=self._timeout,
                    verify=self._verify,
                )
            except requests.RequestException as exc:
                raise PixApiError(
                    f"the Pix API's token endpoint could not be reached ({type(exc).__name__})"
                ) from exc
            if response.status_code != 200:
                raise PixApiError(
                    f"the Pix API refused the client credentials (HTTP {response.status_code})",
                    status=response.status_code,
                )
            body = _json(response)
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise PixApiError("the Pix API's token endpoint answered no access_token")
            lifetime = int(body.get("expires_in") or 300)
            self._token = token
            self._token_until = self._monotonic() + max(0, lifetime - TOKEN_MARGIN_SECONDS)
            self.token_requests += 1
            return token

    def _forget_token(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    # ------------------------------------------------------------------ calls

    def call(
        self,
        method: str,
        path: str,
        what: str,
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``method path`` with the bearer token; the JSON answer, or :class:`PixApiError`."""
        url = f"{self.base_url}{path}"
        for attempt in (1, 2):
            token = self.token()
            try:
                response = self.session.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self._timeout,
                    verify=self._verify,
                )
            except requests.RequestException as exc:
                raise PixApiError(
                    f"the Pix API could not be reached for {what} ({type(exc).__name__})"
                ) from exc
            if response.status_code == 401 and attempt == 1:
                self._forget_token(token)  # revoked or expired early: one new token, once
                continue
            if response.status_code >= 400:
                raise _error(what, response)
            return _json(response) if response.content else {}
        raise PixApiError(f"the Pix API refused our token for {what}", status=401)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise PixApiError("the Pix API answered something that is not JSON") from None
    if not isinstance(body, dict):
        raise PixApiError("the Pix API answered JSON that is not an object")
    return body


def _error(what: str, response: requests.Response) -> PixApiError:
    kind = title = ""
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if isinstance(problem, dict):
        kind = str(problem.get("type") or "").rsplit("/", 1)[-1]
        title = str(problem.get("title") or "")
        fields = [
            str(v.get("propriedade"))
            for v in problem.get("violacoes") or []
            if isinstance(v, dict) and v.get("propriedade")
        ]
        if fields:
            title += f" (fields: {', '.join(fields[:5])})"
    text = f"the Pix API answered {response.status_code} for {what}"
    if kind:
        text += f": {kind}"
    if title:
        text += f" - {title}"
    log.warning("%s", text)
    return PixApiError(text, status=response.status_code, kind=kind)
