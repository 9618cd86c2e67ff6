"""A renderer for tests and quick local runs: records the HTML, returns a tiny valid PDF."""

from __future__ import annotations


def _minimal_pdf() -> bytes:
    """One empty A4 page, with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


MINIMAL_PDF = _minimal_pdf()


class FakePdfRenderer:
    """Keeps every HTML it was given in ``rendered``; answers with :data:`MINIMAL_PDF`."""

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def render(self, html: str) -> bytes:
        self.rendered.append(html)
        return MINIMAL_PDF
