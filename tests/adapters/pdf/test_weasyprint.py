"""portal/adapters/pdf: WeasyPrint renders archival, tagged PDFs and fetches nothing outside."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from portal.adapters.pdf import (
    MINIMAL_PDF,
    FakePdfRenderer,
    PdfRenderer,
    PdfRenderError,
    WeasyPrintRenderer,
    build_pdf_renderer,
)
from portal.adapters.pdf.fetcher import RefusedUrl, RestrictedUrlFetcher, static_path

STATIC = Path(__file__).resolve().parents[3] / "portal" / "static"

SMALL_DOCUMENT = """<!doctype html>
<html lang="pt-BR"><head><meta charset="utf-8"><title>Termo de teste</title>
<meta name="author" content="Credora Teste S.A.">
<style>@page { size: A4; margin: 20mm } html { font-family: "DejaVu Sans"; hyphens: none }</style>
</head><body><h1>Termo de teste</h1>
<p>Ação em São Paulo: CNPJ <span>11.222.333/0001-81</span>.</p>
<table><thead><tr><th scope="col">Parcela</th><th scope="col">Valor</th></tr></thead>
<tbody><tr><td>1</td><td>R$ 1.234,56</td></tr></tbody></table>
</body></html>"""


def test_a_small_document_becomes_a_tagged_pdf_a_3b() -> None:
    pdf = WeasyPrintRenderer(STATIC).render(SMALL_DOCUMENT)

    assert pdf.startswith(b"%PDF-1.7")
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert "Ação em São Paulo" in text
    assert "11.222.333/0001-81" in text
    assert reader.metadata is not None
    assert reader.metadata.title == "Termo de teste"
    assert reader.metadata.author == "Credora Teste S.A."
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "pt-BR"
    assert "/StructTreeRoot" in root  # tagged (pdf_tags=True)
    assert root["/MarkInfo"]["/Marked"]
    assert "/OutputIntents" in root  # sRGB, required by PDF/A
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    assert 'pdfaid:conformance="B"' in xmp
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on a free port that records every request it gets."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_document_reaches_neither_the_disk_nor_the_network(
    http_server: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, hits = http_server
    asked: list[tuple[str, bool]] = []
    original = RestrictedUrlFetcher.fetch

    def spy(self: RestrictedUrlFetcher, url: str, headers: object = None) -> object:
        try:
            response = original(self, url, headers)
        except Exception:
            asked.append((url, False))
            raise
        asked.append((url, True))
        return response

    monkeypatch.setattr(RestrictedUrlFetcher, "fetch", spy)
    html = f"""<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>t</title>
    <link rel="stylesheet" href="{base}/style.css">
    <style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png") }}</style>
    </head><body><h1>Recursos</h1>
    <img src="file:///etc/passwd" alt="a">
    <img src="{base}/image.png" alt="b">
    <img src="/etc/passwd" alt="c">
    <img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E" alt="d">
    <img src="portal-static:img/favicon.svg" alt="e">
    </body></html>"""

    pdf = WeasyPrintRenderer(STATIC).render(html)

    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text().startswith("Recursos")
    assert hits == []
    served = {url for url, ok in asked if ok}
    refused = {url for url, ok in asked if not ok}
    assert served == {"portal-static:img/favicon.svg"}
    assert "file:///etc/passwd" in refused
    assert f"{base}/style.css" in refused
    assert f"{base}/image.png" in refused
    assert any(url.startswith("data:") for url in refused)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1/",
        "http://127.0.0.1:5000/static/css/portal.css",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "data:text/css,body{}",
        "/static/css/portal.css",
        "css/portal.css",
        "portal-static:",
        "portal-static:css",
        "portal-static:../../../../etc/passwd",
        "portal-static:%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "portal-static:css/../../__init__.py",
        "portal-static:/etc/passwd",
        "portal-static:img/nao-existe.svg",
        "portal-static:img/favicon.svg%00.png",
    ],
)
def test_the_fetcher_refuses_anything_but_our_static_files(url: str) -> None:
    with pytest.raises(ValueError):
        RestrictedUrlFetcher(STATIC).fetch(url)


def test_the_fetcher_serves_static_files_from_disk() -> None:
    response = RestrictedUrlFetcher(STATIC).fetch("portal-static:img/favicon.svg")
    try:
        assert response.read() == (STATIC / "img" / "favicon.svg").read_bytes()
        assert response.content_type == "image/svg+xml"
    finally:
        response.close()
    assert static_path("portal-static:/css/portal.css?v=1#x", STATIC).name == "portal.css"


def test_a_symlink_out_of_the_static_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "inside.txt").write_text("ok")
    (tmp_path / "outside").symlink_to("/etc/passwd")
    assert static_path("portal-static:inside.txt", tmp_path).read_text() == "ok"
    with pytest.raises(RefusedUrl):
        static_path("portal-static:outside", tmp_path)


def test_weasyprint_errors_become_render_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import weasyprint

    def broken(**_kwargs: object) -> None:
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(weasyprint, "HTML", broken)
    with pytest.raises(PdfRenderError, match="pango exploded"):
        WeasyPrintRenderer(STATIC).render("<p>x</p>")


def test_init_pdf_keeps_weasyprint_in_the_app(app: Flask) -> None:
    renderer = app.extensions["pdf_renderer"]
    assert isinstance(renderer, WeasyPrintRenderer)
    assert isinstance(renderer, PdfRenderer)
    assert renderer.static_root == Path(app.static_folder or "")


def test_the_fake_renderer_is_for_tests_only() -> None:
    fake = build_pdf_renderer({"PDF_RENDERER": "fake"}, STATIC)
    assert isinstance(fake, FakePdfRenderer)
    assert fake.render("<p>olá</p>") == MINIMAL_PDF
    assert fake.rendered == ["<p>olá</p>"]
    assert len(PdfReader(io.BytesIO(MINIMAL_PDF)).pages) == 1
    with pytest.raises(ValueError, match="production"):
        build_pdf_renderer({"PDF_RENDERER": "fake", "PORTAL_ENV": "production"}, STATIC)
    with pytest.raises(ValueError, match="unknown"):
        build_pdf_renderer({"PDF_RENDERER": "chrome"}, STATIC)
