"""Payment providers: Stripe or any PSP's API Pix in production, a sandbox in the embedded
default."""

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
    if config["PAYMENT_PROVIDER"] == "pix_api":
        from portal.adapters.payments.pix_api import PixApiClient, PixApiProvider

        # Connect within 5 s, read within 20 s, over mutual TLS with the PSP.
        client = PixApiClient(
            base_url=config["PIX_API_BASE_URL"],
            token_url=config["PIX_API_TOKEN_URL"],
            client_id=config["PIX_API_CLIENT_ID"],
            client_secret=config["PIX_API_CLIENT_SECRET"],
            cert_file=config["PIX_API_CERT_FILE"],
            key_file=config["PIX_API_KEY_FILE"],
            ca_file=config.get("PIX_API_CA_FILE"),
            scopes=config["PIX_API_SCOPES"],
            timeout=(5, 20),
        )
        return PixApiProvider(client, receiver_account=config.get("PIX_API_RECEIVER_ACCOUNT"))
    if config["PORTAL_ENV"] == "production":
        raise ValueError("the sandbox payment provider cannot be used in production")
    from portal.adapters.payments.sandbox_boleto import SandboxBoletoProvider
    from portal.extensions import db

    return SandboxBoletoProvider(config["BASE_URL"], lambda: db.session)


def init_payments(app: Flask) -> None:
    app.extensions["payment_provider"] = build_provider(app)
