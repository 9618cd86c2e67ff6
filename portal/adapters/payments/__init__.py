"""Payment providers: Stripe in production, a sandbox in the embedded default."""

from __future__ import annotations

from flask import Flask

from portal.adapters.payments.base import PaymentProvider


def build_provider(app: Flask) -> PaymentProvider:
    config = app.config
    if config["PAYMENT_PROVIDER"] == "stripe":
        import stripe

        from portal.adapters.payments.stripe import StripeProvider

        # Connect within 5 s, read within 20 s: a webhook or a page never waits 80 s.
        return StripeProvider(
            config["STRIPE_SECRET_KEY"],
            config["STRIPE_WEBHOOK_SECRETS"],
            http_client=stripe.RequestsClient(timeout=(5, 20)),
            api_base=config.get("STRIPE_API_BASE"),
        )
    if config["PORTAL_ENV"] == "production":
        raise ValueError("the sandbox payment provider cannot be used in production")
    from portal.adapters.payments.sandbox import SandboxProvider
    from portal.extensions import db

    return SandboxProvider(config["BASE_URL"], lambda: db.session)


def init_payments(app: Flask) -> None:
    app.extensions["payment_provider"] = build_provider(app)
