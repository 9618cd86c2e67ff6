"""Builders for dispute tests: attachments of each kind and a debtor's dispute posted
through the real page."""

from __future__ import annotations

import io

from flask.testing import FlaskClient

from portal.domain.disputes import MAX_ATTACHMENT_BYTES
from tests.html import csrf_token, parse_page

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
SIX_MB_PDF = PDF + b"0" * (6 * 1024 * 1024)
assert len(SIX_MB_PDF) > MAX_ATTACHMENT_BYTES


def dispute_path(item_id: int) -> str:
    return f"/pendencias/{item_id}/nao-reconheco"


def post_dispute(
    client: FlaskClient,
    item_id: int,
    *,
    reason: str = "not_mine",
    details: str = "Nunca tive conta nessa empresa.",
    file: tuple[bytes, str, str] | None = None,
):  # type: ignore[no-untyped-def]
    """GET the form (CSRF), then POST it as a browser does (multipart)."""
    page = parse_page(client.get(dispute_path(item_id)))
    data: dict[str, object] = {"csrf_token": csrf_token(page), "reason": reason, "details": details}
    if file is not None:
        content, name, mimetype = file
        data["attachment"] = (io.BytesIO(content), name, mimetype)
    return client.post(dispute_path(item_id), data=data, content_type="multipart/form-data")
