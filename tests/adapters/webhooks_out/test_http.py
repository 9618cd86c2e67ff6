"""RequestsSender against a real local HTTP server: the start of the receiver's answer is
kept (for the back-office's delivery detail), cut at 500 characters; no answer, no excerpt."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from portal.adapters.webhooks_out.http import RESPONSE_EXCERPT, RequestsSender


class _Answer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = ("manutenção " * 100).encode() if self.path == "/long" else b""
        self.send_response(503 if self.path == "/long" else 204)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_answer_is_kept_cut_to_a_short_excerpt(base: str) -> None:
    result = RequestsSender().send(f"{base}/long", {}, b"{}", 5)
    assert result.status_code == 503
    assert result.response_excerpt is not None
    assert result.response_excerpt.startswith("manutenção manutenção")
    assert len(result.response_excerpt) <= RESPONSE_EXCERPT


def test_an_empty_answer_has_no_excerpt(base: str) -> None:
    result = RequestsSender().send(f"{base}/empty", {}, b"{}", 5)
    assert (result.status_code, result.response_excerpt) == (204, None)


def test_no_answer_no_excerpt() -> None:
    result = RequestsSender().send("http://127.0.0.1:9/", {}, b"{}", 1)
    assert result.status_code is None and result.response_excerpt is None
