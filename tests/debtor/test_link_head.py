"""Issue 12: ``HEAD`` on a link page answers like ``GET`` without a body and changes nothing.

Link previewers (WhatsApp, mail scanners) and uptime checks send HEAD; it used to answer 400
on reminder links. It must neither use the link nor write anything (not even "opened").
"""

from __future__ import annotations

import sqlalchemy as sa
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import AccessLink, AuditEvent
from tests.access_helpers import (
    debtor_with_items,
    form_post,
    magic_link,
    reminder_link,
    signed_in,
)
from tests.html import parse_page

SAME_HEADERS = ("Content-Type", "Referrer-Policy", "Cache-Control", "X-Frame-Options")


def _audit_rows() -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0)


def _link_state(token_path: str) -> list[tuple[object, ...]]:
    db.session.expire_all()
    return [
        (link.used_at, link.failed_attempts, link.locked_at)
        for link in db.session.scalars(sa.select(AccessLink).order_by(AccessLink.id))
    ]


def _head_like_get(client: FlaskClient, path: str, status: int) -> None:
    before_rows, before_links = _audit_rows(), _link_state(path)
    head = client.head(path)
    assert head.status_code == status, head.status_code
    assert head.get_data() == b""
    assert _audit_rows() == before_rows  # nothing recorded
    assert _link_state(path) == before_links  # nothing used, counted or locked
    get = client.get(path)
    assert get.status_code == status
    for name in SAME_HEADERS:
        assert head.headers.get(name) == get.headers.get(name), name
    assert int(head.headers["Content-Length"]) > 0


def test_head_on_a_reminder_link_is_get_without_body(client: FlaskClient) -> None:
    debtor, creditor = debtor_with_items()
    token = reminder_link(debtor.id, creditor.id)
    for _ in range(3):
        _head_like_get(client, f"/a/{token}", 200)
    assert form_post(client, f"/a/{token}", {"digits": debtor.document[:3]}).status_code == 303
    assert signed_in(client)


def test_head_on_a_magic_link_does_not_use_it(client: FlaskClient) -> None:
    debtor, _ = debtor_with_items()
    nonce = "h" * 32
    token = magic_link(debtor.id, nonce=nonce)
    _head_like_get(client, f"/entrar/{token}", 200)
    client.set_cookie("link_nonce", nonce, path="/entrar")
    assert form_post(client, f"/entrar/{token}", {}).status_code == 303
    assert signed_in(client)


def test_head_on_an_unusable_link_is_the_same_404_recording_nothing(client: FlaskClient) -> None:
    _head_like_get(client, "/a/AAAAAAAAAAAAAAAAAAAAAA", 404)
    _head_like_get(client, "/entrar/" + "A" * 43, 404)
    assert parse_page(client.get("/a/AAAAAAAAAAAAAAAAAAAAAA")).h1 is not None
