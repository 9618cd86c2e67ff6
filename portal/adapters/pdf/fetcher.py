"""The only way WeasyPrint may load a resource: files under ``portal/static``, by name.

A document is rendered from our own templates, but the values in it (names, descriptions)
come from companies and debtors. Jinja escapes them, and this fetcher is the second wall:
whatever reaches WeasyPrint, it can read nothing from the disk outside the static folder
and nothing from the network.

* ``portal-static:<path>`` (e.g. ``portal-static:img/logo.svg``) is served from the
  static folder, read from disk here; ``..``, symlinks leaving the folder, directories
  and files above :data:`MAX_BYTES` are refused.
* Every other URL is refused: ``file:``, ``http:``/``https:`` (no network, not even
  localhost), ``ftp:``, and also ``data:``. A ``data:`` URL reads nothing, but the
  templates need none (CSS and the QR code are inline), so one in a document means a
  value got somewhere it should not: it is dropped with the rest.

Refusing means raising: WeasyPrint logs a warning and renders the document without the
resource (``fail_on_errors`` stays off), so a bad URL never breaks a document.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_SCHEME = "portal-static:"
MAX_BYTES = 2 * 1024 * 1024


class RefusedUrl(ValueError):
    """The URL is not one of our static files."""


def static_path(url: str, root: Path) -> Path:
    """The file under ``root`` that ``portal-static:<path>`` names, or :class:`RefusedUrl`."""
    if url[: len(STATIC_SCHEME)].lower() != STATIC_SCHEME:
        raise RefusedUrl(f"only {STATIC_SCHEME} URLs are served: {url[:80]!r}")
    name = unquote(url[len(STATIC_SCHEME) :].split("#", 1)[0].split("?", 1)[0]).lstrip("/")
    if not name or "\x00" in name or "\\" in name:
        raise RefusedUrl(f"not a static file name: {url[:80]!r}")
    base = root.resolve()
    candidate = (base / name).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        raise RefusedUrl(f"no such static file: {url[:80]!r}")
    if candidate.stat().st_size > MAX_BYTES:
        raise RefusedUrl(f"static file too large: {url[:80]!r}")
    return candidate


class RestrictedUrlFetcher(URLFetcher):  # type: ignore[misc]
    """A WeasyPrint URL fetcher that serves ``portal-static:`` files and nothing else."""

    def __init__(self, static_root: Path) -> None:
        # No protocol allowed for the parent's opener; it is never used (fetch is ours).
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        self.static_root = static_root

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = static_path(url, self.static_root)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
