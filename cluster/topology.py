"""Start, stop and inspect the local cluster; state (pids, logs, secret) under one folder.

Ports (``CLUSTER_PORT_BASE``, default 8100): the balancer on +0, app servers on +1 and +2,
the fake Stripe on +9, the SMTP sink on +25. Database ``CLUSTER_DATABASE`` (portal_cluster),
Redis database 11 (``CLUSTER_REDIS_URL``) for the broker and the shared rate limits.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import env as bench_env
from bench.servers import gunicorn_command, wait_for

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Cluster:
    state: Path = field(default_factory=lambda: ROOT / "instance" / "cluster")
    base_port: int = field(default_factory=lambda: int(os.environ.get("CLUSTER_PORT_BASE", 8100)))
    database: str = field(
        default_factory=lambda: os.environ.get("CLUSTER_DATABASE", "portal_cluster")
    )
    redis_url: str = field(
        default_factory=lambda: os.environ.get("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/11")
    )
    app_workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)

    # -- addresses -------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.base_port}"

    def app_url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.base_port + n}"

    @property
    def stripe_port(self) -> int:
        return self.base_port + 9

    @property
    def smtp_port(self) -> int:
        return self.base_port + 25

    @property
    def mail_dir(self) -> Path:
        return self.state / "mail"

    def env(self) -> dict[str, str]:
        secret_file = self.state / "secret_key"
        if not secret_file.exists():  # one key for every server: sessions valid on all
            secret_file.write_text(secrets.token_urlsafe(48))
        return bench_env.production_env(
            database=self.database,
            redis_url=self.redis_url,
            secret_key=secret_file.read_text().strip(),
            smtp_port=self.smtp_port,
            STRIPE_API_BASE=f"http://127.0.0.1:{self.stripe_port}",
            TRUSTED_PROXIES="1",  # HAProxy adds X-Forwarded-For
            **self.extra_env,
        )

    # -- processes -------------------------------------------------------------------

    def _pids(self) -> dict[str, int]:
        path = self.state / "pids.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def _save(self, pids: dict[str, int]) -> None:
        (self.state / "pids.json").write_text(json.dumps(pids, indent=2))

    def _spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> int:
        log = (self.state / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 - fixed command lines
            command,
            cwd=ROOT,
            env=env or self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its children
        )
        pids = self._pids()
        pids[name] = process.pid
        self._save(pids)
        return process.pid

    def _stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        pids = self._pids()
        pid = pids.pop(name, None)
        self._save(pids)
        if pid is None:
            return
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            with contextlib.suppress(ChildProcessError):  # reap it if it is our child
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)

    def start_app(self, n: int) -> None:
        port = self.base_port + n
        command = gunicorn_command("wsgi:app", port, workers=self.app_workers)
        self._spawn(f"app{n}", command)
        wait_for(f"{self.app_url(n)}/healthz", None, self.state / f"app{n}.log")

    def kill_app(self, n: int) -> None:
        """A crash, not a shutdown: SIGKILL to the master and its workers at once."""
        self._stop(f"app{n}", signal.SIGKILL)

    def haproxy_config(self) -> str:
        return HAPROXY.format(
            port=self.base_port,
            app1=self.base_port + 1,
            app2=self.base_port + 2,
        )

    def up(self, *, fresh: bool = True) -> None:
        if shutil.which("haproxy") is None:
            raise SystemExit("haproxy is missing: apt-get install -y haproxy")
        self.state.mkdir(parents=True, exist_ok=True)
        self.down()
        self.mail_dir.mkdir(exist_ok=True)
        for old in [*self.mail_dir.glob("*.eml"), *self.state.glob("*.log")]:
            old.unlink()
        if fresh:
            self._prepare_data()
        py = sys.executable
        self._spawn(
            "smtp", [py, "-m", "cluster.smtp_sink", str(self.smtp_port), str(self.mail_dir)]
        )
        self._spawn(
            "stripe",
            [
                py,
                "-m",
                "cluster.fake_stripe_server",
                str(self.stripe_port),
                f"{self.url}/callbacks/stripe",
            ],
        )
        for n in (1, 2):
            self.start_app(n)
        config = self.state / "haproxy.cfg"
        config.write_text(self.haproxy_config())
        self._spawn("haproxy", ["haproxy", "-f", str(config), "-db"])
        celery = [py, "-m", "celery", "-A", "wsgi:celery_app"]
        self._spawn(
            "worker",
            [
                *celery,
                "worker",
                "--concurrency",
                "2",
                "--loglevel",
                "INFO",
                "-n",
                "cluster-worker@%h",
            ],
        )
        self._spawn(
            "beat",
            [
                *celery,
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(self.state / "beat-schedule"),
            ],
        )
        wait_for(f"{self.url}/healthz", None, self.state / "haproxy.log")

    def down(self) -> None:
        for name in ("haproxy", "app1", "app2", "worker", "beat", "stripe", "smtp"):
            self._stop(name)

    def status(self) -> dict[str, bool]:
        alive = {}
        for name, pid in self._pids().items():
            try:
                os.killpg(pid, 0)
                alive[name] = True
            except ProcessLookupError:
                alive[name] = False
        return alive

    def _prepare_data(self) -> None:
        """A fresh database, migrated and seeded with the demo data (as ``make demo``)."""
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()
        bench_env.fresh_database(self.database)
        code = (
            "import logging, os; from portal import create_app; from bench import prepare; "
            "app = create_app(); logging.getLogger().setLevel(logging.WARNING); "
            "prepare.migrate_and_seed(app)"
        )
        subprocess.run(  # noqa: S603 - fixed command line
            [sys.executable, "-c", code], cwd=ROOT, env=self.env(), check=True
        )


HAPROXY = """\
global
    maxconn 4096

defaults
    mode http
    option httplog
    option forwardfor
    option http-server-close
    option redispatch
    retries 3
    timeout connect 2s
    timeout client 60s
    timeout server 60s

frontend portal
    bind 127.0.0.1:{port}
    default_backend app_servers

backend app_servers
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
    server app1 127.0.0.1:{app1} check
    server app2 127.0.0.1:{app2} check
"""
