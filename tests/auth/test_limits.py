"""Rate limits: shared in Redis when configured; authentication fails closed without it."""

from __future__ import annotations

import socket

import pytest
import redis

from tests.conftest import make_test_app
from tests.html import csrf_token, parse_page


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


def _post_link_requests(app, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = csrf_token(parse_page(client.get("/")))
    return [
        client.post(
            "/entrar", data={"csrf_token": token, "identifier": f"x{i}@example.com"}
        ).status_code
        for i in range(n)
    ]


def test_limits_live_in_redis_when_configured(database_uri: str) -> None:
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    # Its own Redis database per run: .ci/run runs the SQLite and PostgreSQL suites side by side.
    url = "redis://127.0.0.1:6379/" + ("13" if database_uri.startswith("postgresql") else "14")
    store = redis.Redis.from_url(url)
    store.flushdb()
    app = make_test_app(
        database_uri,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_LINK_REQUEST_IP="2 per hour",
    )
    assert _post_link_requests(app, 3) == [303, 303, 429]
    assert any(b"portal-limit" in key for key in store.keys("*"))
    # A second app server sharing the same Redis sees the same count.
    other = make_test_app(
        database_uri,
        RATELIMIT_STORAGE_URI=url,
        RATELIMIT_LINK_REQUEST_IP="2 per hour",
    )
    assert _post_link_requests(other, 1) == [429]
    store.flushdb()


def test_authentication_fails_closed_when_the_store_is_down(database_uri: str) -> None:
    app = make_test_app(database_uri, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    app.config["TESTING"] = False  # the error handlers answer as in production
    client = app.test_client()
    page = client.get("/")
    assert page.status_code == 200  # reading pages does not need the limiter
    response = client.post(
        "/entrar", data={"csrf_token": csrf_token(parse_page(page)), "identifier": "x@example.com"}
    )
    assert response.status_code == 503
    assert "Tente de novo" in response.get_data(as_text=True)
