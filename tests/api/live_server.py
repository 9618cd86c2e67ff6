"""A live /api/v1 on a werkzeug server thread, for tools that speak HTTP (curl, schemathesis).

The application has a database of its own with the migrations and the demo data (a SQLite
file, or a fresh PostgreSQL database named after ``TEST_DATABASE_URL`` with ``_live``
appended), real commits, and a key for the first demo company. This machine has no DNS:
every webhook host resolves to 127.0.0.1, which the server allows (as ``.env`` allows it in
development to receive webhooks locally).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import make_url
from werkzeug.serving import make_server

from portal.config import normalise_database_url
from portal.core.after_commit import wait_for_background_tasks
from portal.extensions import db
from tests.conftest import _fresh_postgres, make_test_app


@dataclass
class LiveApi:
    app: Flask
    base_url: str  # http://127.0.0.1:<port>
    key: str

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/v1"


def _database(tmp: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{tmp / 'live.sqlite3'}"
    parsed = make_url(normalise_database_url(url))
    return _fresh_postgres(parsed.set(database=f"{parsed.database}_live").render_as_string(False))


def _cli(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    tmp = tmp_path_factory.mktemp("live")
    uri = _database(tmp)
    options = (
        {"connect_args": {"timeout": 15, "check_same_thread": False}}
        if uri.startswith("sqlite")
        else {}
    )
    app = make_test_app(
        uri,
        SQLALCHEMY_ENGINE_OPTIONS=options,
        API_RATE_LIMIT="100000 per minute",
        WEBHOOKS_ALLOW_HTTP=True,
        WEBHOOKS_ALLOW_PRIVATE_NETWORKS=True,
    )
    app.extensions["webhook_resolver"] = lambda host, port: ["127.0.0.1"]
    with app.app_context():
        flask_migrate.upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base_url
    _cli(app, "seed-demo")
    output = _cli(app, "create-api-key", "--creditor", "1", "--name", "live")
    match = re.search(r"dpk_[A-Za-z0-9_-]+", output)
    assert match, output
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveApi(app, base_url, match.group(0))
    finally:
        server.shutdown()
        server.server_close()
        wait_for_background_tasks()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
