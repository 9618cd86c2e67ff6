"""``python -m cluster.fake_stripe_server PORT WEBHOOK_URL``: Stripe's API and webhooks, local.

Serves ``tests.fake_stripe.FakeStripe`` (the stateful fake the test suite drives the SDK
with) over HTTP, so every app server and the Celery worker share one Stripe. The portal
reaches it through ``STRIPE_API_BASE``.

One control endpoint stands in for the payer's bank: ``POST /_cluster/pay-agreement/<id>``
pays the agreement's open Pix code, then delivers the signed ``payment_intent.succeeded`` event to
``WEBHOOK_URL`` as Stripe does: retried with backoff until a 2xx, for up to a minute.
The answer says how many deliveries it took.
"""

from __future__ import annotations

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

from tests.fake_stripe import FakeStripe

FAKE = FakeStripe()
SECRET = os.environ.get("STRIPE_WEBHOOK_SECRETS", "whsec_cluster").split(",")[0].strip()


def deliver(event: dict[str, Any], url: str) -> int:
    """POST the signed event until it is acknowledged; returns the number of attempts."""
    for attempt in range(1, 61):
        body, headers = FAKE.signed(event, SECRET, timestamp=int(time.time()))
        try:
            answer = requests.post(url, data=body, headers=headers, timeout=10)
            if 200 <= answer.status_code < 300:
                return attempt
        except requests.RequestException:
            pass
        time.sleep(min(0.25 * attempt, 2))
    raise RuntimeError(f"event {event['id']} was never acknowledged")


class Handler(BaseHTTPRequestHandler):
    webhook_url = ""

    def _answer(self, status: int, body: str, headers: Any = ()) -> None:
        data = body.encode()
        self.send_response(status)
        for name, value in dict(headers).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stripe(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        post = self.rfile.read(length) if length else None
        url = f"http://{self.headers.get('Host')}{self.path}"
        body, status, headers = FAKE.request(self.command, url, dict(self.headers), post)
        self._answer(status, body, headers)

    def do_GET(self) -> None:
        self._stripe()

    def do_DELETE(self) -> None:
        self._stripe()

    def do_POST(self) -> None:
        prefix = "/_cluster/pay-agreement/"
        if not self.path.startswith(prefix):
            self._stripe()
            return
        agreement_id = self.path.removeprefix(prefix)
        open_intents = [
            intent["id"]
            for intent in list(FAKE.payment_intents.values())
            if intent.get("metadata", {}).get("agreement_id") == agreement_id
            and intent["status"] == "requires_action"
        ]
        if not open_intents:
            self._answer(409, json.dumps({"error": "no open Pix for this agreement"}))
            return
        intent = open_intents[-1]
        FAKE.pay_pix(intent)
        event = next(
            e
            for e in reversed(FAKE.events())
            if e["type"] == "payment_intent.succeeded" and e["data"]["object"]["id"] == intent
        )
        attempts = deliver(event, self.webhook_url)
        self._answer(200, json.dumps({"event": event["id"], "deliveries": attempts}))

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the portal's own logs say what happened


def main(port: int, webhook_url: str) -> None:
    Handler.webhook_url = webhook_url
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
