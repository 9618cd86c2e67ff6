"""Settings of SMS and WhatsApp (Twilio), validated at start-up: each problem stops the
process with one line naming the variable (docs/regua.md). ``error`` is the caller's
``ConfigError``, so this module needs nothing from ``portal.config``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.domain.whatsapp import parse_template_map


def text_messaging_settings(
    env: Mapping[str, str], mode: str, error: type[Exception]
) -> dict[str, Any]:
    """SMS and WhatsApp through Twilio when ``TWILIO_ACCOUNT_SID`` is set; otherwise the dev
    outbox in development and nothing in production (a régua with an SMS or WhatsApp step
    then refuses to start)."""
    sid = env.get("TWILIO_ACCOUNT_SID", "").strip()
    try:  # approved WhatsApp template names → Twilio Content SIDs (name=HX…,other=HX…)
        templates = parse_template_map(env.get("TWILIO_WHATSAPP_TEMPLATES", ""))
    except ValueError as exc:
        raise error(f"TWILIO_WHATSAPP_TEMPLATES {exc}") from None
    settings: dict[str, Any] = {
        "TEXT_MESSAGE_BACKEND": "twilio"
        if sid
        else ("outbox" if mode == "development" else "none"),
        "TWILIO_ACCOUNT_SID": sid or None,
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", "").strip() or None,
        "TWILIO_SMS_FROM": env.get("TWILIO_SMS_FROM", "").strip() or None,
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID", "").strip() or None,
        "TWILIO_WHATSAPP_FROM": env.get("TWILIO_WHATSAPP_FROM", "").strip() or None,
        "TWILIO_WHATSAPP_TEMPLATES": templates,
    }
    if not sid:
        return settings
    if not sid.startswith("AC") or not settings["TWILIO_AUTH_TOKEN"]:
        raise error(
            "TWILIO_ACCOUNT_SID (AC…) and TWILIO_AUTH_TOKEN are both required for Twilio "
            "(the token also verifies Twilio's delivery callbacks)"
        )
    if (
        not (settings["TWILIO_SMS_FROM"] or settings["TWILIO_MESSAGING_SERVICE_SID"])
        and not (settings["TWILIO_WHATSAPP_FROM"])
    ):
        raise error(
            "Twilio needs a sender: TWILIO_SMS_FROM or TWILIO_MESSAGING_SERVICE_SID for SMS, "
            "TWILIO_WHATSAPP_FROM for WhatsApp"
        )
    return settings
