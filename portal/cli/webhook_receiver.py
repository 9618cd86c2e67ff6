"""``flask --app portal webhook-receiver``: receive the demo's webhooks on this machine.

Development only. Listens on 127.0.0.1 and prints each delivery (id, sequence, type) and
whether its Standard Webhooks signature checks with ``--secret``. The portal must be allowed
to send to a local, plain-http address: ``WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true`` (and
``WEBHOOKS_ALLOW_HTTP``, already true in development) in ``.env``, which the server, the
``flask jobs`` commands and the Celery worker all read.
"""

from __future__ import annotations

import hmac
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.adapters.webhooks_out import signing


def verdict(secret: str | None, headers: dict[str, str], body: bytes) -> str:
    """``assinatura ok``, ``assinatura inválida`` or ``sem --secret``, for one delivery."""
    if not secret:
        return "sem --secret: assinatura não conferida"
    expected = signing.sign(
        secret, headers.get("webhook-id", ""), int(headers.get("webhook-timestamp", "0")), body
    )
    sent = headers.get("webhook-signature", "").split()
    ok = any(hmac.compare_digest(expected, one) for one in sent)
    return "assinatura ok" if ok else "ASSINATURA INVÁLIDA"


def describe(secret: str | None, headers: dict[str, str], body: bytes) -> str:
    try:
        event: dict[str, Any] = json.loads(body)
    except ValueError:
        event = {}
    return (
        f"{headers.get('webhook-id', '?')}  nº {event.get('sequence', '?')}  "
        f"{event.get('type', '?')}  ({verdict(secret, headers, body)})"
    )


@click.command("webhook-receiver")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option("--secret", default=None, help="The endpoint's whsec_… to check signatures.")
@with_appcontext
def webhook_receiver_command(port: int, secret: str | None) -> None:
    """Print the webhooks the demo sends to http://127.0.0.1:PORT/ (development only)."""
    if current_app.config["PORTAL_ENV"] == "production":
        raise click.ClickException("webhook-receiver is for development only")
    if not current_app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"]:
        click.echo(
            "Atenção: WEBHOOKS_ALLOW_PRIVATE_NETWORKS não está ligado; ponha "
            "WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true no .env e reinicie o portal.",
            err=True,
        )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            click.echo(describe(secret, headers, body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    click.echo(f"Recebendo webhooks em http://127.0.0.1:{port}/ (Ctrl+C para parar)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
