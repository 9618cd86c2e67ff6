"""``python -m bench.profile_pages [path …]``: where a page's time goes, in-process.

Builds the portal with the bench's production settings on its own PostgreSQL database
(``BENCH_PROFILE_DATABASE``, default ``portal_profile``; Redis: ``BENCH_PROFILE_REDIS_URL``,
else ``BENCH_REDIS_URL``, default database 12), signs a demo debtor in through a
reminder link, then for each case: the mean time per request, the SQL statements per request,
and a pyinstrument profile of ``BENCH_PROFILE_REQUESTS`` requests (default 200).

Cases: ``/``, ``/healthz``, ``/aprenda`` (no session), ``/inicio`` (signed in), ``pix`` (the
status poll), ``webhook`` (a new signed ``payment_intent.succeeded`` each time),
``api-list``, ``api-batch`` and ``options`` (the options page after a simulation). Each case
first prints the median and p90 wall time of ``BENCH_PROFILE_REQUESTS`` unprofiled requests
and this process's CPU time per request (PostgreSQL's own time is not in it). Without
arguments: ``/``, ``/healthz`` and ``/inicio``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import env as bench_env
from bench import prepare

DATABASE = os.environ.get("BENCH_PROFILE_DATABASE", "portal_profile")
REQUESTS = int(os.environ.get("BENCH_PROFILE_REQUESTS", "200"))
REDIS_URL = os.environ.get(
    "BENCH_PROFILE_REDIS_URL", os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
)
BASE = "https://portal.bench.invalid"


class StatementCounter:
    def __init__(self, engine: Any) -> None:
        import sqlalchemy as sa

        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *_args: Any) -> None:
        self.count += 1


def _signed_in(app: Any, link: str, digits: str) -> Any:
    from bs4 import BeautifulSoup

    client = app.test_client()
    page = client.get(link, base_url=BASE)
    soup = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    token = soup.find("input", attrs={"name": "csrf_token"})["value"]  # type: ignore[index]
    answer = client.post(
        link,
        base_url=BASE,
        data={"csrf_token": token, "digits": digits},
        headers={"Referer": BASE + link},  # CSRF over https checks the referrer
    )
    if answer.status_code != 303:
        raise SystemExit(f"sign-in failed: {answer.status_code}")
    return client


def _options_path(client: Any, creditor_id: int) -> str:
    """Simulate an agreement with the creditor's defaults, as the bench does: the options page."""
    from bs4 import BeautifulSoup

    path = f"/simular/{creditor_id}"
    soup = BeautifulSoup(client.get(path, base_url=BASE).get_data(as_text=True), "html.parser")
    form = next(
        f
        for f in soup.find_all("form")
        if (f.get("method") or "").lower() == "post"
        and "lang-switch" not in f.get("class", [])
        and (f.get("action") or path).endswith(path)
    )
    data = {}
    for field in form.find_all(["input", "select"]):
        kind = (field.get("type") or "text").lower()
        if not field.get("name") or kind == "submit":
            continue
        if kind in ("checkbox", "radio") and not field.has_attr("checked"):
            continue
        if field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[field["name"]] = chosen.get("value", "") if chosen else ""
        else:
            data[field["name"]] = field.get("value", "")
    answer = client.post(path, base_url=BASE, data=data, headers={"Referer": BASE + path})
    if answer.status_code != 303:
        raise SystemExit(f"simulation refused: {answer.status_code}")
    return str(answer.headers["Location"]).removeprefix(BASE)


def _cases(app: Any, wanted: list[str]) -> dict[str, Callable[[], Any]]:
    """One callable per case, each making one request (the next event, for ``webhook``)."""
    debtor_id, creditor_id, digits = prepare.dashboard_debtor(app)
    debtor = _signed_in(app, prepare.reminder_link(app, debtor_id, creditor_id), digits)
    anonymous = app.test_client()
    cases: dict[str, Callable[[], Any]] = {
        "/": lambda: anonymous.get("/", base_url=BASE),
        "/healthz": lambda: anonymous.get("/healthz", base_url=BASE),
        "/aprenda": lambda: anonymous.get("/aprenda", base_url=BASE),
        "/inicio": lambda: debtor.get("/inicio", base_url=BASE),
    }
    if "options" in wanted:
        options = _options_path(debtor, creditor_id)
        cases["options"] = lambda: debtor.get(options, base_url=BASE)
    if not {"pix", "webhook", "api-list", "api-batch"} & set(wanted):
        return cases
    import json
    import tempfile

    import stripe

    work = Path(tempfile.mkdtemp(prefix="portal-profile-"))
    prepare.write_csv(work / "import.csv", 2_000)
    prepare.csv_import(app, work / "import.csv", 1)
    payments, fake = prepare.open_payments(app, 1, REQUESTS + 21)
    poll_payment = payments.pop()
    events = iter(list(prepare.succeeded_events(app, fake, payments)))
    with app.app_context():
        from portal.extensions import db
        from portal.models import Payment

        owner = db.session.get(Payment, poll_payment).agreement.debtor  # type: ignore[union-attr]
        owner_id, owner_digits = owner.id, owner.document[:3]
    poller = _signed_in(app, prepare.reminder_link(app, owner_id, 1), owner_digits)
    key = {"Authorization": f"Bearer {prepare.api_key(app, 1)}"}
    prepare.api_batch(work / "batch.json", 100)
    batch = (work / "batch.json").read_bytes()

    def webhook() -> Any:
        payload = json.dumps(next(events))
        header = stripe.WebhookSignature.generate_signature_header(
            payload, bench_env.WEBHOOK_SECRET, timestamp=int(time.time())
        )
        return anonymous.post(
            "/callbacks/stripe",
            base_url=BASE,
            data=payload,
            headers={"Stripe-Signature": header, "Content-Type": "application/json"},
        )

    cases.update(
        {
            "pix": lambda: poller.get(f"/pagamentos/{poll_payment}/situacao", base_url=BASE),
            "webhook": webhook,
            "api-list": lambda: anonymous.get("/api/v1/items?limit=50", base_url=BASE, headers=key),
            "api-batch": lambda: anonymous.post(
                "/api/v1/items/batch",
                base_url=BASE,
                data=batch,
                headers={**key, "Content-Type": "application/json"},
            ),
        }
    )
    return cases


def main(names: list[str]) -> int:
    from pyinstrument import Profiler

    bench_env.fresh_database(DATABASE)
    os.environ.update(
        bench_env.production_env(
            database=DATABASE,
            redis_url=REDIS_URL,
            API_RATE_LIMIT="1000000 per minute",
        )
    )
    from portal import create_app
    from portal.extensions import db

    app = create_app()
    logging.getLogger().setLevel(logging.WARNING)
    prepare.migrate_and_seed(app)
    names = names or ["/", "/healthz", "/inicio"]
    cases = _cases(app, names)
    with app.app_context():
        counter = StatementCounter(db.engine)
    for name in names:
        call = cases[name]
        for _ in range(20):  # warm caches, as a running server has
            call()
        times = []
        cpu = time.process_time()
        for _ in range(REQUESTS):  # unprofiled: the figure to compare
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        cpu_ms = (time.process_time() - cpu) / REQUESTS * 1000
        times.sort()
        median, p90 = times[len(times) // 2], times[int(len(times) * 0.9)]
        counter.count = 0
        started = time.perf_counter()
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(REQUESTS):
            response = call()
            if response.status_code != 200:
                raise SystemExit(f"{name} answered {response.status_code}")
        profiler.stop()
        took = (time.perf_counter() - started) / REQUESTS * 1000
        print(
            f"\n=== {name}: {median:.2f} ms/request median unprofiled (p90 {p90:.2f}, "
            f"CPU {cpu_ms:.2f}), {took:.2f} profiled, "
            f"{counter.count / REQUESTS:.1f} SQL statements/request"
        )
        print(
            profiler.output_text(
                unicode=True, color=False, show_all=bool(os.environ.get("BENCH_PROFILE_ALL"))
            )
        )
    with app.app_context():
        db.engine.dispose()
    bench_env.drop_database(DATABASE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
