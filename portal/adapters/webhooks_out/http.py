"""The HTTP sender: one POST, a 5 s timeout, no redirects, nothing read beyond 64 KiB."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import requests


@dataclass(frozen=True, slots=True)
class SendResult:
    status_code: int | None  # None: no HTTP answer (network error, timeout)
    error: str | None
    duration_ms: int
    # The start of the receiver's answer, for staff diagnosing a failing endpoint.
    response_excerpt: str | None = None


RESPONSE_EXCERPT = 500


class WebhookSender(Protocol):
    def send(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> SendResult:
        """POST ``body``; never raise for network trouble, report it."""
        ...


class RequestsSender:
    def __init__(self) -> None:
        self._session = requests.Session()
        self._session.trust_env = False  # no proxies from the environment

    def send(self, url: str, headers: dict[str, str], body: bytes, timeout: float) -> SendResult:
        started = time.monotonic()
        try:
            response = self._session.post(
                url,
                data=body,
                headers={**headers, "user-agent": "PortalDeAcordos-Webhooks/1"},
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
            head = response.raw.read(65536, decode_content=False)
            response.close()
        except requests.RequestException as exc:
            elapsed = int((time.monotonic() - started) * 1000)
            return SendResult(None, type(exc).__name__, elapsed)
        elapsed = int((time.monotonic() - started) * 1000)
        excerpt = head[:RESPONSE_EXCERPT].decode("utf-8", "replace") if head else None
        return SendResult(response.status_code, None, elapsed, excerpt)
