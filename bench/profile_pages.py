"""``python -m bench.profile_pages [path …]``: where a page's time goes, in-process.

Builds the portal with the bench's production settings on its own PostgreSQL database
(``BENCH_PROFILE_DATABASE``, default ``portal_profile``), signs a demo debtor in through a
reminder link, then for each path: the mean time per request, the SQL statements per request,
and a pyinstrument profile of ``BENCH_PROFILE_REQUESTS`` requests (default 200). Public
pages are requested without a session, the others as the signed-in debtor.
Without arguments: ``/``, ``/healthz`` and ``/inicio``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

from bench import env as bench_env
from bench import prepare

DATABASE = os.environ.get("BENCH_PROFILE_DATABASE", "portal_profile")
REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", "200"))
PUBLIC = {"/", "/healthz", "/aprenda"}  # profiled without a session, as visitors see them


class StatementCounter:
    def __init__(self, engine: Any) -> None:
        import sqlalchemy as sa

        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *_args: Any) -> None:
        self.count += 1


def main(paths: list[str]) -> int:
    from bs4 import BeautifulSoup
    from pyinstrument import Profiler

    bench_env.fresh_database(DATABASE)
    os.environ.update(
        bench_env.production_env(database=DATABASE, redis_url="redis://127.0.0.1:6379/12")
    )
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    logging.getLogger().setLevel(logging.WARNING)
    prepare.migrate_and_seed(app)
    debtor_id, creditor_id, digits = prepare.dashboard_debtor(app)
    link = prepare.reminder_link(app, debtor_id, creditor_id)
    client = app.test_client()
    base = "https://portal.bench.invalid"
    page = client.get(link, base_url=base)
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    token = soup.find("input", attrs={"name": "csrf_token"})["value"]  # type: ignore[index]
    answer = client.post(
        link,
        base_url=base,
        data={"csrf_token": token, "digits": digits},
        headers={"Referer": base + link},  # CSRF over https checks the referrer
    )
    if answer.status_code != 303:
        raise SystemExit(f"sign-in failed: {answer.status_code}")
    with app.app_context():
        counter = StatementCounter(db.engine)
    anonymous = app.test_client()
    for path in paths or ["/", "/healthz", "/inicio"]:
        who = anonymous if path in PUBLIC else client
        for _ in range(20):  # warm caches, as a running server has
            who.get(path, base_url=base)
        counter.count = 0
        started = time.perf_counter()
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(REQUESTS):
            response = who.get(path, base_url=base)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        profiler.stop()
        took = (time.perf_counter() - started) / REQUESTS * 1000
        print(
            f"\n=== {path}: {took:.2f} ms/request (profiled), "
            f"{counter.count / REQUESTS:.1f} SQL statements/request"
        )
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    with app.app_context():
        db.engine.dispose()
    bench_env.drop_database(DATABASE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
