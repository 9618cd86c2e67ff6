"""A local server that speaks Twilio's Messages API, and signs callbacks like Twilio does.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP Basic auth (account SID
and auth token) and a form body (``To``, ``From`` or ``MessagingServiceSid``, ``Body`` or
``ContentSid`` + ``ContentVariables``, ``StatusCallback``), answered as Twilio does: 201 and
the message resource in JSON, or Twilio's error JSON (``code``, ``message``, ``more_info``,
``status``). Numbers listed in ``refuse`` get a 400 with that Twilio error code; numbers in
``fail_with`` get that HTTP status (e.g. 500, 429). A ``ContentSid`` that is not a Content
SID (``HX`` + 32 hex digits, e.g. a template's name) gets Twilio's 400, code 21655.

Callbacks are signed for real: :meth:`FakeTwilio.status_callback` and
:meth:`FakeTwilio.inbound` return the form Twilio would POST and its ``X-Twilio-Signature``,
computed with the ``twilio`` package's ``RequestValidator`` and the auth token.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"


@dataclass
class FakeTwilio:
    url: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    refuse: dict[str, int] = field(default_factory=dict)  # phone → Twilio error code
    fail_with: dict[str, int] = field(default_factory=dict)  # phone → HTTP status
    auth_failures: int = 0

    def status_callback(
        self, message: dict[str, Any], status: str, error_code: str | None = None
    ) -> tuple[str, dict[str, str], str]:
        """(url, form, signature) of the status callback Twilio would send."""
        form = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "From": message["from"] or "",
            "MessageSid": message["sid"],
            "MessageStatus": status,
            "SmsSid": message["sid"],
            "SmsStatus": status,
            "To": message["to"],
        }
        if error_code:
            form["ErrorCode"] = error_code
        url = message["status_callback"]
        return url, form, RequestValidator(AUTH_TOKEN).compute_signature(url, form)

    def inbound(self, url: str, from_: str, body: str) -> tuple[dict[str, str], str]:
        """(form, signature) of an incoming message (a reply) posted to ``url``."""
        form = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": from_,
            "MessageSid": "SM" + secrets.token_hex(16),
            "NumMedia": "0",
            "To": "+5511990000000",
        }
        return form, RequestValidator(AUTH_TOKEN).compute_signature(url, form)


def _error(handler: BaseHTTPRequestHandler, status: int, code: int, message: str) -> None:
    body = json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    ).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _handler(state: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            return

        def do_POST(self) -> None:
            if self.headers.get("Authorization") != expected_auth:
                state.auth_failures += 1
                _error(self, 401, 20003, "Authenticate")
                return
            if self.path != path:
                _error(self, 404, 20404, "The requested resource was not found")
                return
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            to = form.get("To", "")
            phone = to.removeprefix("whatsapp:")
            if phone in state.fail_with:
                _error(self, state.fail_with[phone], 20500, "Internal Server Error")
                return
            if phone in state.refuse:
                _error(self, 400, state.refuse[phone], "The 'To' number is not valid.")
                return
            content_sid = form.get("ContentSid")
            if content_sid is not None and not re.fullmatch(r"HX[0-9a-fA-F]{32}", content_sid):
                _error(self, 400, 21655, "The ContentSid is Invalid")
                return
            if not (form.get("Body") or content_sid):
                _error(self, 400, 21602, "Message body is required.")
                return
            if not (form.get("From") or form.get("MessagingServiceSid")):
                _error(self, 400, 21603, "A 'From' phone number is required.")
                return
            message = {
                "account_sid": ACCOUNT_SID,
                "api_version": "2010-04-01",
                "body": form.get("Body", ""),
                "content_sid": form.get("ContentSid"),
                "content_variables": json.loads(form.get("ContentVariables", "null")),
                "date_created": "Mon, 14 Sep 2026 13:00:00 +0000",
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": form.get("From"),
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "num_segments": "1",
                "price": None,
                "sid": "SM" + secrets.token_hex(16),
                "status": "queued",
                "status_callback": form.get("StatusCallback"),
                "to": to,
                "uri": f"{path[:-5]}/x.json",
            }
            state.messages.append(message)
            body = json.dumps(message).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def fake_twilio() -> Iterator[FakeTwilio]:
    """Serve the fake API on a free loopback port for the duration of the block."""
    state = FakeTwilio()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
