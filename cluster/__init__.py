"""The production topology on one machine: ``make cluster-up`` / ``make cluster-down``.

See docs/deploy.md. Two gunicorn app servers behind HAProxy, a Celery worker and beat,
PostgreSQL and Redis on loopback; Stripe is a local fake (``cluster.fake_stripe_server``)
and e-mail goes to a local SMTP sink (``cluster.smtp_sink``), the only stand-ins.
"""
