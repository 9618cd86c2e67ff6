"""``make bench`` (``python -m bench.run``): every figure of docs/performance.md in one run.

1. A fresh PostgreSQL database (``BENCH_DATABASE``, default ``portal_bench``): migrations, the
   demo data, then in-process the CSV import (rows/s) and a bulk job of access links (links/s),
   and agreements with open Pix payments for the webhook run.
2. The portal (production settings, see ``bench.env``) and a bare Flask "hello" under the same
   gunicorn command line: 2 sync workers, loopback.
3. wrk against each path in turn, the same threads, connections and duration for all; the
   ratio is the path's requests/s over hello's, measured right before it in this run.

Settings (environment): BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (50),
BENCH_THREADS (2), BENCH_CSV_ROWS (20000), BENCH_WEBHOOK_EVENTS (1500), BENCH_API_BATCH (100),
BENCH_REDIS_URL (redis://127.0.0.1:6379/12: the bench empties that database), BENCH_KEEP_DB,
BENCH_ONLY (``webhooks``: only the webhook ingest, see ``bench.webhooks_only``).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import env as bench_env
from bench import prepare
from bench.browser import Browser
from bench.servers import free_port, gunicorn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = ROOT / "instance" / "bench"


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


DURATION = _int("BENCH_DURATION", 10)
CONNECTIONS = _int("BENCH_CONNECTIONS", 50)
THREADS = _int("BENCH_THREADS", 2)
CSV_ROWS = _int("BENCH_CSV_ROWS", 20_000)
WEBHOOK_EVENTS = _int("BENCH_WEBHOOK_EVENTS", 1_500)
API_BATCH = _int("BENCH_API_BATCH", 100)
LINK_DEBTORS = min(CSV_ROWS, 4_900)  # + the demo debtors: within a bulk job's 5,000
DATABASE = os.environ.get("BENCH_DATABASE", "portal_bench")
STALL_S = 5  # webhook run: no new event recorded for this long means the rest were lost
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
ONLY = os.environ.get("BENCH_ONLY", "")


def say(text: str) -> None:
    print(text, flush=True)


def _wrk_command(script: str, base: str, seconds: int) -> list[str]:
    return [
        "wrk",
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(HERE / script),
        base,
    ]


def _parse(out: str) -> dict[str, Any]:
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "timeout"))
    return result


def wrk(
    base: str, script: str, *, seconds: int, extra_env: dict[str, str] | None = None
) -> dict[str, Any]:
    run_env = {**os.environ, "BENCH_THREADS": str(THREADS), **(extra_env or {})}
    out = subprocess.run(  # noqa: S603 - fixed command line
        _wrk_command(script, base, seconds),
        env=run_env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    return _parse(out)


def measure(
    base: str,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body_file: Path | None = None,
    expect: int = 200,
) -> dict[str, Any]:
    extra = {
        "BENCH_METHOD": method,
        "BENCH_PATH": path,
        "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in (headers or {}).items()),
        "BENCH_BODY_FILE": str(body_file or ""),
        "BENCH_EXPECT": str(expect),
    }
    wrk(base, "request.lua", seconds=2, extra_env=extra)  # warm-up, not recorded
    time.sleep(1)
    return wrk(base, "request.lua", seconds=DURATION, extra_env=extra)


def webhook_run(base: str, app: Any, events: list[dict[str, Any]], work: Path) -> dict[str, Any]:
    """Each event once through wrk, then the database says whether any was lost or doubled."""
    import stripe

    lines = []
    for event in events:
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(
            payload, bench_env.WEBHOOK_SECRET, timestamp=int(time.time())
        )
        lines.append(f"{header}\t{payload}")
    events_file = work / "events.tsv"
    events_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ids = [event["id"] for event in events]
    run_env = {**os.environ, "BENCH_THREADS": str(THREADS), "BENCH_EVENTS_FILE": str(events_file)}
    limit = 60 + len(events) // 10
    started = time.perf_counter()
    # wrk runs until told to stop: stopped (SIGINT, it then reports) once the database holds
    # every event, so the time is the time to ingest them all, not a fixed duration.
    process = subprocess.Popen(  # noqa: S603 - fixed command line
        _wrk_command("webhooks.lua", base, limit + 30),
        env=run_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    missing = set(ids)
    progress_at = started
    while missing and process.poll() is None and time.perf_counter() - started < limit:
        time.sleep(0.2)
        before = len(missing)
        _count, missing = _recorded(app, ids)
        if len(missing) < before:
            progress_at = time.perf_counter()
        elif time.perf_counter() - progress_at > STALL_S:
            break  # whatever is still missing was lost on the way: redelivered below
    wall = progress_at - started
    first_pass = len(ids) - len(missing)
    process.send_signal(signal.SIGINT)
    out, _err = process.communicate(timeout=30)
    result = _parse(out)
    result["wall_s"] = wall
    retried = 0
    result["missing_first_pass"] = sorted(missing)
    if missing:  # what Stripe would do: deliver again whatever was not acknowledged
        browser = Browser(base)
        for line in lines:
            header, payload = line.split("\t", 1)
            if json.loads(payload)["id"] in missing:
                browser.request(
                    "POST",
                    "/callbacks/stripe",
                    data=payload.encode(),
                    headers={"Stripe-Signature": header, "Content-Type": "application/json"},
                )
                retried += 1
        _recorded_count, missing = _recorded(app, ids)
    result.update(_apply_received(app))
    result.update(_webhook_effects(app, ids))
    result["events"] = len(ids)
    result["redelivered"] = retried
    result["lost"] = len(missing)
    result["events_per_s"] = first_pass / result["wall_s"]
    return result


def _recorded(app: Any, event_ids: list[str]) -> tuple[int, set[str]]:
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import ProviderEventRecord

    with app.app_context():
        seen = set(
            db.session.scalars(
                sa.select(ProviderEventRecord.event_id).where(
                    ProviderEventRecord.event_id.in_(event_ids)
                )
            )
        )
    return len(seen), set(event_ids) - seen


def _apply_received(app: Any) -> dict[str, Any]:
    """The worker's part, timed: the portal records events and answers; a Celery worker
    applies them (``portal.apply_provider_events``). The bench runs no worker: this process
    does its work, with the same production settings, once every event is recorded."""
    from portal.core.uow import unit_of_work, unit_per_step
    from portal.extensions import db
    from portal.services.payments import apply_received_steps, received_waiting

    started = time.perf_counter()
    applied = 0
    with app.app_context():
        for count in unit_per_step(apply_received_steps(db.session)):
            applied += count
        with unit_of_work(db.session):
            left = received_waiting(db.session)
    seconds = time.perf_counter() - started
    return {
        "worker_applied": applied,
        "worker_s": seconds,
        "worker_per_s": applied / seconds if seconds else 0.0,
        "left_received": left,
    }


def _webhook_effects(app: Any, event_ids: list[str]) -> dict[str, int]:
    """Payments applied once each: one succeeded payment and one audit record per event."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.models import AuditEvent, Payment, ProviderEventRecord

    with app.app_context():
        payment_ids = list(
            db.session.scalars(
                sa.select(ProviderEventRecord.payment_id).where(
                    ProviderEventRecord.event_id.in_(event_ids),
                    ProviderEventRecord.outcome == "succeeded",
                )
            )
        )
        succeeded = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Payment)
            .where(Payment.id.in_(payment_ids), Payment.status == "succeeded")
        )
        audits = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "payment.succeeded",
                AuditEvent.subject_type == "payment",
                AuditEvent.subject_id.in_([str(i) for i in payment_ids]),
            )
        )
    return {
        "applied": int(succeeded or 0),
        "doubled": int(audits or 0) - len(set(payment_ids)),
    }


def conditions() -> dict[str, Any]:
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "cpus": os.cpu_count(),
        "load_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "wrk": f"{THREADS} threads, {CONNECTIONS} connections, {DURATION} s per path",
        "gunicorn": "2 sync workers, 127.0.0.1, same command line for both apps",
    }


def _row(name: str, result: dict[str, Any]) -> str:
    ratio = result["rps"] / result["hello_rps"]
    bad = result["bad_status"] + result["errors"]
    return (
        f"| {name} | {result['rps']:,.0f} | {result['hello_rps']:,.0f} | {ratio:.2f} "
        f"| {result['p50_us'] / 1000:.1f} ms | {result['p99_us'] / 1000:.1f} ms | {bad} |"
    )


def _flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def main() -> int:
    if shutil.which("wrk") is None:
        say("wrk is missing: apt-get install -y wrk (make bench installs it)")
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    facts = conditions()
    say(
        f"bench: {facts['when']}, commit {facts['commit']}, {facts['cpus']} CPUs, "
        f"load {facts['load_1m']}; {facts['wrk']}"
    )
    _flush_redis()
    bench_env.fresh_database(DATABASE)
    secret = secrets.token_urlsafe(48)
    server_env = bench_env.production_env(
        database=DATABASE,
        redis_url=REDIS_URL,
        secret_key=secret,
        API_RATE_LIMIT="1000000 per minute",  # measure the API, not its limiter's 429s
    )
    os.environ.update(server_env)  # this process builds the same app to prepare the data
    from portal import create_app

    app = create_app()
    logging.getLogger().setLevel(logging.WARNING)  # this process's own INFO lines are noise
    figures: dict[str, Any] = {"conditions": facts}
    say("preparing: migrations and demo data…")
    prepare.migrate_and_seed(app)
    if ONLY == "webhooks":
        from bench import webhooks_only

        hooks = webhooks_only.run(app, server_env, work, facts, RESULTS)
        return _finish(app, hooks)
    csv_creditor = 1
    csv_path = work / "import.csv"
    prepare.write_csv(csv_path, CSV_ROWS)
    say(f"CSV import of {CSV_ROWS:,} rows…")
    figures["csv_import"] = prepare.csv_import(app, csv_path, csv_creditor)
    links_creditor = 2  # a bulk job holds at most MAX_JOB_SIZE debtors: another creditor's
    links_csv = work / "links.csv"  # file adds items to the first LINK_DEBTORS of them
    prepare.write_csv(links_csv, LINK_DEBTORS, prefix="LINKS")
    prepare.csv_import(app, links_csv, links_creditor)
    say(f"access links (one bulk job, {LINK_DEBTORS:,} debtors and the demo ones)…")
    figures["access_links"] = prepare.issue_links(app, links_creditor)
    say(f"{WEBHOOK_EVENTS + 1:,} agreements with an open Pix payment…")
    started = time.perf_counter()
    payment_ids, fake = prepare.open_payments(app, csv_creditor, WEBHOOK_EVENTS + 1)
    say(f"  ({time.perf_counter() - started:.0f} s)")
    poll_payment = payment_ids.pop()
    events = list(prepare.succeeded_events(app, fake, payment_ids))
    dash_debtor, dash_creditor, dash_digits = prepare.dashboard_debtor(app)
    dash_link = prepare.reminder_link(app, dash_debtor, dash_creditor)
    poll_debtor, poll_digits = _payment_owner(app, poll_payment)
    poll_link = prepare.reminder_link(app, poll_debtor, csv_creditor)
    api_key = prepare.api_key(app, csv_creditor)
    batch_file = work / "batch.json"
    prepare.api_batch(batch_file, API_BATCH)

    portal_port, hello_port = free_port(), free_port()
    portal, hello = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{hello_port}"
    runs: dict[str, dict[str, Any]] = {}
    hellos: list[dict[str, Any]] = []
    with ExitStack() as stack:
        stack.enter_context(
            gunicorn(
                "wsgi:app", portal_port, server_env, work / "portal.log", ready_path="/healthz"
            )
        )
        stack.enter_context(
            gunicorn("bench.hello:app", hello_port, dict(os.environ), work / "hello.log")
        )
        dashboard, poller = Browser(portal), Browser(portal)
        dashboard.sign_in_with_link(dash_link, dash_digits)
        simulated = dashboard.submit(f"/simular/{dash_creditor}")
        if simulated.status_code != 303:
            raise RuntimeError(f"the simulation was refused ({simulated.status_code})")
        options_path = simulated.headers["Location"]
        poller.sign_in_with_link(poll_link, poll_digits)
        for name, browser, path in (
            ("/inicio", dashboard, "/inicio"),
            ("options", dashboard, options_path),
            ("pix", poller, f"/pagamentos/{poll_payment}/situacao"),
        ):
            check = browser.request("GET", path)
            if check.status_code != 200:
                raise RuntimeError(
                    f"{name} answered {check.status_code} before the run "
                    f"({check.headers.get('Location')}, cookies {sorted(browser.cookies)})"
                )
        auth = {"Authorization": f"Bearer {api_key}"}
        plan: list[tuple[str, str, dict[str, Any]]] = [
            ("/healthz", portal, {"path": "/healthz"}),
            ("/ (landing)", portal, {"path": "/"}),
            (
                "/inicio (dashboard)",
                portal,
                {"path": "/inicio", "headers": {"Cookie": dashboard.cookie_header}},
            ),
            (
                "/simulacao/… (options)",
                portal,
                {"path": options_path, "headers": {"Cookie": dashboard.cookie_header}},
            ),
            (
                "Pix status poll",
                portal,
                {
                    "path": f"/pagamentos/{poll_payment}/situacao",
                    "headers": {"Cookie": poller.cookie_header},
                },
            ),
            ("API GET /items (50)", portal, {"path": "/api/v1/items?limit=50", "headers": auth}),
            (
                f"API POST /items/batch ({API_BATCH})",
                portal,
                {
                    "path": "/api/v1/items/batch",
                    "method": "POST",
                    "body_file": batch_file,
                    "headers": {**auth, "Content-Type": "application/json"},
                },
            ),
        ]
        for name, base, options in plan:
            # hello right before each path: on a shared machine the load drifts during a
            # run, and a ratio to a hello measured minutes earlier would measure the drift
            say(f"wrk hello, then {name}…")
            hello_run = measure(hello, path="/")
            runs[name] = measure(base, **options)
            runs[name]["hello_rps"] = hello_run["rps"]
            hellos.append(hello_run)
        say(f"webhook ingest: {len(events):,} signed events…")
        figures["webhooks"] = webhook_run(portal, app, events, work)
    figures["http"] = runs
    figures["hello"] = hellos
    lines = [
        "",
        f"Conditions: {facts['when']}, commit {facts['commit']}, {facts['cpus']} CPUs shared, "
        f"load {facts['load_1m']} at start; wrk {facts['wrk']}; gunicorn {facts['gunicorn']}.",
        "",
        "| path | req/s | hello req/s just before | ratio to hello | p50 | p99 "
        "| non-2xx or errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [_row(name, r) for name, r in runs.items()]
    best = max(hellos, key=lambda h: h["rps"])
    lines.append(
        f"\nbare Flask hello: {min(h['rps'] for h in hellos):,.0f}–{best['rps']:,.0f} req/s "
        f"over the run (p50 {best['p50_us'] / 1000:.1f} ms, p99 {best['p99_us'] / 1000:.1f} ms "
        "at its best)"
    )
    hooks = figures["webhooks"]
    lines += [
        "",
        f"- webhook ingest: {hooks['events'] - hooks['redelivered']:,} of {hooks['events']:,} "
        f"signed `payment_intent.succeeded` events in {hooks['wall_s']:.1f} s = "
        f"**{hooks['events_per_s']:,.0f} events/s** "
        f"(p50 {hooks['p50_us'] / 1000:.1f} ms, p99 {hooks['p99_us'] / 1000:.1f} ms); "
        f"applied {hooks['applied']:,}, lost {hooks['lost']}, doubled {hooks['doubled']}, "
        f"redelivered {hooks['redelivered']}; then applied by one worker process: "
        f"{hooks['worker_applied']:,} in {hooks['worker_s']:.1f} s = "
        f"**{hooks['worker_per_s']:,.0f} events/s**",
        f"- CSV import: {figures['csv_import']['rows']:,} rows in "
        f"{figures['csv_import']['seconds']:.1f} s = **{figures['csv_import']['rows_per_s']:,.0f} "
        "rows/s**",
        f"- access links: {figures['access_links']['links']:,} issued in "
        f"{figures['access_links']['seconds']:.1f} s = "
        f"**{figures['access_links']['links_per_s']:,.0f} links/s**",
    ]
    say("\n".join(lines))
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    say(f"\n(figures also in {out.relative_to(ROOT)} and latest.md; logs in {work})")
    return _finish(app, hooks)


def _finish(app: Any, hooks: dict[str, Any]) -> int:
    _flush_redis()
    if not os.environ.get("BENCH_KEEP_DB"):
        with app.app_context():
            from portal.extensions import db

            db.engine.dispose()
        bench_env.drop_database(DATABASE)
    failed = hooks["lost"] or hooks["doubled"] or hooks["applied"] != hooks["events"]
    return 1 if failed else 0


def _payment_owner(app: Any, payment_id: int) -> tuple[int, str]:
    from portal.extensions import db
    from portal.models import Payment

    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        assert payment is not None  # noqa: S101
        debtor = payment.agreement.debtor
        return debtor.id, debtor.document[:3]


if __name__ == "__main__":
    sys.exit(main())
