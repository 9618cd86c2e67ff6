"""The PDF rendering interface and its error."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class PdfRenderError(Exception):
    """The renderer could not turn the HTML into a PDF (worth trying again later)."""


@runtime_checkable
class PdfRenderer(Protocol):
    """Turns one self-contained HTML document into the bytes of a PDF."""

    def render(self, html: str) -> bytes:
        """Render ``html`` or raise :class:`PdfRenderError`."""
        ...
