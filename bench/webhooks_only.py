"""``BENCH_ONLY=webhooks python -m bench.run``: only the webhook ingest figure.

The same database preparation (migrations, demo data, a CSV import on the first creditor,
agreements with open Pix payments), the same gunicorn command line and the same
``webhook_run`` as the full bench, without the page, API, CSV and access-link figures. The
CSV import holds at least one debtor per event (plus the poll's), whatever BENCH_CSV_ROWS
says. The figures go to ``instance/bench/webhooks.json``, never to ``latest.*``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from bench import prepare
from bench.servers import free_port, gunicorn


def run(
    app: Any, server_env: dict[str, str], work: Path, facts: dict[str, Any], results: Path
) -> dict[str, Any]:
    from bench import run as bench

    csv_rows = max(bench.CSV_ROWS, bench.WEBHOOK_EVENTS + 1)
    csv_path = work / "import.csv"
    prepare.write_csv(csv_path, csv_rows)
    bench.say(f"CSV import of {csv_rows:,} rows (not measured)…")
    prepare.csv_import(app, csv_path, 1)
    bench.say(f"{bench.WEBHOOK_EVENTS:,} agreements with an open Pix payment…")
    started = time.perf_counter()
    payment_ids, fake = prepare.open_payments(app, 1, bench.WEBHOOK_EVENTS)
    bench.say(f"  ({time.perf_counter() - started:.0f} s)")
    events = list(prepare.succeeded_events(app, fake, payment_ids))
    port, hello_port = free_port(), free_port()
    portal, hello = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{hello_port}"
    with (
        gunicorn("wsgi:app", port, server_env, work / "portal.log", ready_path="/healthz"),
        gunicorn("bench.hello:app", hello_port, dict(os.environ), work / "hello.log"),
    ):
        # The yardsticks under the same load, right before: a bare Flask app and /healthz
        # (the portal's cheapest request: one query).
        bench.say("wrk hello, then /healthz…")
        hooks_hello = bench.measure(hello, path="/")
        hooks_healthz = bench.measure(portal, path="/healthz")
        bench.say(f"webhook ingest: {len(events):,} signed events…")
        hooks = bench.webhook_run(portal, app, events, work)
    hooks["hello_rps"], hooks["healthz_rps"] = hooks_hello["rps"], hooks_healthz["rps"]
    hooks["load_1m_after"] = round(os.getloadavg()[0], 2)
    bench.say(
        f"- webhook ingest: {hooks['events'] - hooks['redelivered']:,} of {hooks['events']:,} "
        f"signed `payment_intent.succeeded` events in {hooks['wall_s']:.1f} s = "
        f"**{hooks['events_per_s']:,.0f} events/s** "
        f"(p50 {hooks['p50_us'] / 1000:.1f} ms, p99 {hooks['p99_us'] / 1000:.1f} ms); "
        f"applied {hooks['applied']:,}, lost {hooks['lost']}, doubled {hooks['doubled']}, "
        f"redelivered {hooks['redelivered']}, non-200 {hooks['bad_status']}, "
        f"then applied by one worker process {hooks['worker_applied']:,} in "
        f"{hooks['worker_s']:.1f} s = {hooks['worker_per_s']:,.0f} events/s, "
        f"errors {hooks['errors']}; load {facts['load_1m']} before, "
        f"{hooks['load_1m_after']} after; just before: hello {hooks['hello_rps']:,.0f} req/s, "
        f"/healthz {hooks['healthz_rps']:,.0f} req/s (ingest/hello "
        f"{hooks['events_per_s'] / hooks['hello_rps']:.2f}, ingest/healthz "
        f"{hooks['events_per_s'] / hooks['healthz_rps']:.2f})"
    )
    out = results / "webhooks.json"
    out.write_text(
        json.dumps({"conditions": facts, "webhooks": hooks}, indent=2, default=str),
        encoding="utf-8",
    )
    return hooks
