"""The cluster under load: debtors simulate, accept and pay through HAProxy while one app
server is killed (SIGKILL) and restarted; then nothing is lost or doubled.

The whole topology of docs/deploy.md runs for real (``cluster.topology``): two gunicorn app
servers in production mode behind HAProxy, a Celery worker and beat, PostgreSQL and Redis;
only Stripe (``cluster.fake_stripe_server``, which also delivers its signed webhooks through
the balancer, retrying like Stripe) and the mailbox (``cluster.smtp_sink``) are stand-ins.

A debtor does what a browser would, retrying a request whose answer was lost (connection
reset, HAProxy's 502/503 while a server is down): the same form data again, so the same
acceptance key. ``SCALE_DEBTORS`` (default 12) debtors, ``SCALE_CONCURRENCY`` (4) at a time.
"""

from __future__ import annotations

import email
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email import policy
from pathlib import Path
from typing import Any

import pytest
import requests

from bench.browser import Browser
from cluster.topology import ROOT, Cluster

pytestmark = pytest.mark.scale

DEBTORS = int(os.environ.get("SCALE_DEBTORS", "12"))
CONCURRENCY = int(os.environ.get("SCALE_CONCURRENCY", "4"))
RETRYABLE = {502, 503, 504}


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    from bench import env as bench_env

    topology = Cluster(
        state=ROOT / "instance" / "scale",  # kept after the run: logs and e-mails to read
        base_port=int(os.environ.get("SCALE_PORT_BASE", 8200)),
        database="portal_scale",
        redis_url="redis://127.0.0.1:6379/10",
        extra_env={
            # every simulated debtor comes from 127.0.0.1: keep the sign-in limits out of the
            # way, and make the link-request one small enough to see it shared (below)
            "RATELIMIT_AUTH_IP": "100000 per hour",
            "RATELIMIT_LINK_REQUEST_IP": "5 per minute",
        },
    )
    topology.up()
    try:
        yield topology
    finally:
        topology.down()
        bench_env.drop_database(topology.database)


def _scenario(cluster: Cluster, *args: str) -> Any:
    run = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-m", "cluster.scenario", *args],
        cwd=ROOT,
        env=cluster.env(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, f"cluster.scenario {args[0]} failed:\n{run.stderr[-4000:]}"
    return json.loads(run.stdout.strip().splitlines()[-1])


def _retry(call: Callable[[], requests.Response], what: str) -> requests.Response:
    """Send again when the answer was lost on the way, as a person would press again."""
    for _attempt in range(40):
        try:
            response = call()
        except requests.ConnectionError:
            time.sleep(0.5)
            continue
        except requests.HTTPError as error:  # a form's page answered 502/503
            if error.response is None or error.response.status_code not in RETRYABLE:
                raise
            time.sleep(0.5)
            continue
        if response.status_code not in RETRYABLE:
            return response
        time.sleep(0.5)
    raise AssertionError(f"{what}: no answer after 40 tries")


def _mail(cluster: Cluster) -> list[email.message.EmailMessage]:
    messages = []
    for path in sorted(cluster.mail_dir.glob("*.eml")):
        if path.name.startswith("."):  # the sink's file being written, renamed when complete
            continue
        try:
            raw = path.read_bytes()
        except FileNotFoundError:  # renamed between the listing and the read
            continue
        message = email.message_from_bytes(raw, policy=policy.default)
        messages.append(message)  # type: ignore[arg-type]
    return messages


def _latest_code(cluster: Cluster, address: str, seen: int, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        codes = [
            m["Subject"]
            for m in _mail(cluster)
            if m["To"] == address and "código" in str(m["Subject"]).casefold()
        ]
        if len(codes) > seen:
            return re.findall(r"\d{6}", codes[-1])[-1]
        time.sleep(0.3)
    raise AssertionError(f"no code e-mail for {address}")


def journey(cluster: Cluster, debtor: dict[str, Any]) -> dict[str, Any]:
    """Sign in, simulate, accept the single payment with a code, pay it by Pix."""
    browser = Browser(cluster.url)
    signed = _retry(
        lambda: browser.submit(debtor["link"], digits=debtor["digits"]), "identity check"
    )
    assert signed.status_code == 303, signed.status_code
    simulated = _retry(lambda: browser.submit("/simular/1"), "simulation")
    assert simulated.status_code == 303, simulated.status_code
    confirm = f"{simulated.headers['Location']}/confirmar?parcelas=1"
    for codes_seen in range(5):  # a code whose answer was lost: ask again, use the newest
        sent = _retry(lambda: browser.submit(confirm, action="/codigo"), "send code")
        assert sent.status_code == 303
        code = _latest_code(cluster, debtor["email"], codes_seen)
        form = browser.form(confirm, action="/aceitar", agree="y", code=code)
        accepted = _retry(
            lambda form=form: browser.request("POST", form[0], data=form[1]), "acceptance"
        )
        if accepted.status_code == 303 and "/acordos/" in accepted.headers["Location"]:
            break
    else:
        raise AssertionError(f"debtor {debtor['debtor_id']} could not accept")
    agreement_path = accepted.headers["Location"]
    agreement_id = agreement_path.rstrip("/").rsplit("/", 1)[1]
    paying = _retry(lambda: browser.submit(agreement_path, action="/pix"), "start Pix")
    assert paying.status_code == 303, paying.status_code
    payment_id = paying.headers["Location"].split("/pagamentos/")[1].split("/")[0]
    paid = requests.post(
        f"http://127.0.0.1:{cluster.stripe_port}/_cluster/pay-agreement/{agreement_id}",
        timeout=120,
    )
    assert paid.status_code == 200, paid.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status = _retry(
            lambda: browser.request("GET", f"/pagamentos/{payment_id}/situacao"), "poll"
        )
        if status.status_code == 200 and status.json()["paid"]:
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"payment {payment_id} never showed as paid")
    return {"cookie": browser.cookie_header, "deliveries": paid.json()["deliveries"]}


def test_debtors_pay_through_the_balancer_while_a_server_dies(cluster: Cluster) -> None:
    debtors = _scenario(cluster, "setup", str(DEBTORS))
    assert len(debtors) == DEBTORS
    done = Counter[str]()
    lock = threading.Lock()
    chaos: dict[str, float] = {}

    def crash_and_restart() -> None:
        while done["finished"] < max(1, DEBTORS // 4):
            time.sleep(0.2)
        chaos["killed"] = time.monotonic()
        cluster.kill_app(1)
        time.sleep(3)
        cluster.start_app(1)
        chaos["back"] = time.monotonic()

    def run(debtor: dict[str, Any]) -> dict[str, Any]:
        result = journey(cluster, debtor)
        with lock:
            done["finished"] += 1
        return result

    killer = threading.Thread(target=crash_and_restart)
    killer.start()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        results = list(pool.map(run, debtors))
    killer.join(timeout=120)
    assert "back" in chaos, "the app server was never killed and restarted"

    # 0 lost or doubled acceptances and payments
    facts = _scenario(cluster, "verify", *(str(d["debtor_id"]) for d in debtors))
    for debtor in debtors:
        mine = facts[str(debtor["debtor_id"])]
        assert mine["agreements"] == 1 and mine["evidence"] == 1, mine
        assert mine["payments_succeeded"] == 1 and mine["events_applied"] == 1, mine
        assert mine["installments_paid"] == 1 and mine["applied_cents"] == mine["due_cents"]

    # 0 lost or doubled e-mails: each code issued arrived; one confirmation, one receipt and
    # one "quitado" (the single payment completes the agreement)
    def mail_by_debtor() -> dict[str, Counter[str]]:
        counts: dict[str, Counter[str]] = {d["email"]: Counter() for d in debtors}
        for message in _mail(cluster):
            subject = str(message["Subject"])
            kinds = {"confirmado": "accepted", "quitado": "completed", "recebido": "paid"}
            kind = (
                "code"
                if "código" in subject.casefold()
                else kinds.get(subject.split()[-1], "other")
            )
            if message["To"] in counts:
                counts[message["To"]][kind] += 1
        return counts

    deadline = time.monotonic() + 120
    while True:
        counts = mail_by_debtor()
        complete = all(
            all(counts[d["email"]][kind] >= 1 for kind in ("accepted", "paid", "completed"))
            for d in debtors
        )
        if complete or time.monotonic() > deadline:
            break
        time.sleep(1)
    time.sleep(3)  # anything doubled would arrive by now
    counts = mail_by_debtor()
    for debtor in debtors:
        mine = counts[debtor["email"]]
        assert (mine["accepted"], mine["paid"], mine["completed"]) == (1, 1, 1), (
            debtor["email"],
            mine,
        )
        assert mine["other"] == 0, (debtor["email"], mine)
        assert mine["code"] == facts[str(debtor["debtor_id"])]["codes"], (debtor["email"], mine)

    # sessions are valid on both app servers (one SECRET_KEY, state in the database)
    for n in (1, 2):
        page = requests.get(
            f"{cluster.app_url(n)}/inicio",
            headers={"Cookie": results[0]["cookie"]},
            allow_redirects=False,
            timeout=30,
        )
        assert page.status_code == 200, (n, page.status_code)

    # rate limits are shared (Redis): 5 link requests a minute per IP, counted across servers
    statuses = []
    for attempt in range(8):
        browser = Browser(cluster.app_url(1 + attempt % 2))
        response = browser.submit("/", action="/entrar", identifier=f"{attempt}@example.com")
        statuses.append(response.status_code)
    assert statuses[:5] == [303] * 5, statuses
    assert set(statuses[5:]) == {429}, statuses


def test_the_balancer_config_names_both_servers(cluster: Cluster) -> None:
    config = Path(cluster.state / "haproxy.cfg").read_text()
    assert f"127.0.0.1:{cluster.base_port + 1}" in config
    assert f"127.0.0.1:{cluster.base_port + 2}" in config
