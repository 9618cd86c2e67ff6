"""PDF documents: a :class:`PdfRenderer` protocol, WeasyPrint for real and a fake for tests.

``init_pdf`` keeps the renderer in ``app.extensions["pdf_renderer"]``; the documents
service (``portal.services.documents``) looks it up there when a task renders, so a test
can swap it. ``PDF_RENDERER`` picks the implementation: ``weasyprint`` (the default) or
``fake`` (never in production). No page view renders a PDF: documents are rendered once,
by a task, and stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portal.adapters.pdf.base import PdfRenderer, PdfRenderError
from portal.adapters.pdf.fake import MINIMAL_PDF, FakePdfRenderer
from portal.adapters.pdf.weasy import PDF_VARIANT, WeasyPrintRenderer

if TYPE_CHECKING:
    from flask import Flask

__all__ = [
    "EXTENSION_KEY",
    "MINIMAL_PDF",
    "PDF_VARIANT",
    "FakePdfRenderer",
    "PdfRenderError",
    "PdfRenderer",
    "WeasyPrintRenderer",
    "build_pdf_renderer",
    "init_pdf",
]

EXTENSION_KEY = "pdf_renderer"


def build_pdf_renderer(config: Mapping[str, Any], static_root: Path) -> PdfRenderer:
    backend = config.get("PDF_RENDERER", "weasyprint")
    if backend == "weasyprint":
        return WeasyPrintRenderer(static_root)
    if backend == "fake":
        if config.get("PORTAL_ENV") == "production":
            raise ValueError("the fake PDF renderer cannot be used in production")
        return FakePdfRenderer()
    raise ValueError(f"unknown PDF_RENDERER {backend!r}")


def init_pdf(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = build_pdf_renderer(app.config, Path(app.static_folder or ""))
