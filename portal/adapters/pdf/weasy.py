"""WeasyPrint: archival (PDF/A-3b), tagged PDFs on A4, with the restricted URL fetcher.

WeasyPrint is imported on first use: it costs about half a second, which web processes
and CLI commands that never render a document should not pay.
"""

from __future__ import annotations

import logging
from pathlib import Path

from portal.adapters.pdf.base import PdfRenderError

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3b"


class WeasyPrintRenderer:
    """Renders self-contained HTML (inline CSS and SVG; system fonts such as DejaVu).

    The page size and margins come from the document's own ``@page`` rule; relative URLs
    resolve against nothing (no base URL), so only ``portal-static:`` URLs can load.
    """

    def __init__(self, static_root: Path) -> None:
        self.static_root = Path(static_root)

    def render(self, html: str) -> bytes:
        from weasyprint import HTML

        from portal.adapters.pdf.fetcher import RestrictedUrlFetcher

        try:
            document = HTML(
                string=html,
                base_url=None,
                url_fetcher=RestrictedUrlFetcher(self.static_root),
                media_type="print",
            )
            pdf = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
        except Exception as exc:  # WeasyPrint raises many kinds; the caller retries
            log.exception("PDF rendering failed")
            raise PdfRenderError(str(exc)) from exc
        if not isinstance(pdf, bytes) or not pdf.startswith(b"%PDF-"):
            raise PdfRenderError("WeasyPrint returned no PDF")
        return pdf
