"""SMS and WhatsApp through Twilio's Messages API, with the official ``twilio`` package.

Configured by environment variables (read in :mod:`portal.config`): ``TWILIO_ACCOUNT_SID``,
``TWILIO_AUTH_TOKEN``, and a sender per channel — ``TWILIO_SMS_FROM`` (or
``TWILIO_MESSAGING_SERVICE_SID``) and ``TWILIO_WHATSAPP_FROM``. A channel without a sender
is not offered (:meth:`TwilioTextProvider.channels`).

* WhatsApp messages a business starts must use an approved template: the step's template
  is passed as ``content_sid`` with its parameters as ``content_variables`` ``{"1": …}``.
  A step may name the template (``lembrete_pendencia``) or give its Content SID (``HX…``);
  names are looked up in ``TWILIO_WHATSAPP_TEMPLATES`` (validated at start-up), and a name
  with no SID there is refused for good (``unknown_template``) without calling Twilio.
* Every message asks for delivery-status callbacks at ``BASE_URL/callbacks/twilio/status``;
  those requests are verified with Twilio's ``RequestValidator`` (HMAC-SHA1 of the URL and
  the sorted form parameters, keyed with the auth token) before anything is believed.
* Errors: 4xx from Twilio (invalid number, unapproved template, opted-out recipient…) are
  permanent (:class:`~portal.adapters.messaging.base.TextRejected`); 429, 5xx and
  network failures are transient (``TextDeliveryError``).

The SDK's HTTP client logs each request's URL and headers at INFO; it gets a logger of its
own set to WARNING here, so phone numbers in URLs never reach our logs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from portal.adapters.messaging.base import (
    TextDeliveryError,
    TextReceipt,
    TextRejected,
    check_text_message,
)
from portal.domain.whatsapp import is_content_sid

CALLBACK_PATH = "/callbacks/twilio/status"
INBOUND_PATH = "/callbacks/twilio/inbound"
_sdk_log = logging.getLogger("portal.adapters.twilio.sdk")
_sdk_log.setLevel(logging.WARNING)


class TwilioTextProvider:
    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        sms_from: str | None = None,
        messaging_service_sid: str | None = None,
        whatsapp_from: str | None = None,
        status_callback: str | None = None,
        whatsapp_templates: Mapping[str, str] | None = None,
        http_client: HttpClient | None = None,
        api_base_url: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("a Twilio account SID and auth token are required")
        self._auth_token = auth_token
        self.sms_from = sms_from
        self.messaging_service_sid = messaging_service_sid
        self.whatsapp_from = whatsapp_from
        self.status_callback = status_callback
        self.whatsapp_templates = dict(whatsapp_templates or {})
        self._client = Client(
            account_sid,
            auth_token,
            http_client=http_client or TwilioHttpClient(timeout=timeout, logger=_sdk_log),
            environment={},  # portal.config is the only reader of the environment
        )
        if api_base_url:  # tests: a local server that speaks the Messages API
            self._client.api.base_url = api_base_url

    @classmethod
    def from_config(cls, config: Mapping[str, Any], **kwargs: Any) -> TwilioTextProvider:
        return cls(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            sms_from=config.get("TWILIO_SMS_FROM"),
            messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
            whatsapp_from=config.get("TWILIO_WHATSAPP_FROM"),
            status_callback=f"{config['BASE_URL']}{CALLBACK_PATH}",
            whatsapp_templates=config.get("TWILIO_WHATSAPP_TEMPLATES") or {},
            **kwargs,
        )

    def __repr__(self) -> str:  # never the token
        return f"TwilioTextProvider(channels={sorted(self.channels())})"

    def channels(self) -> frozenset[str]:
        offered = set()
        if self.sms_from or self.messaging_service_sid:
            offered.add("sms")
        if self.whatsapp_from:
            offered.add("whatsapp")
        return frozenset(offered)

    def content_sid(self, template: str) -> str:
        """The Content SID to send for ``template`` (a SID as is, a name through the map)."""
        if is_content_sid(template):
            return template
        sid = self.whatsapp_templates.get(template)
        if sid is None:
            raise TextRejected(
                f"no Twilio Content SID is configured for the WhatsApp template {template!r} "
                "(TWILIO_WHATSAPP_TEMPLATES)",
                code="unknown_template",
            )
        return sid

    def _arguments(
        self,
        channel: str,
        to_phone: str,
        text: str,
        template: str | None,
        parameters: Sequence[str],
    ) -> dict[str, Any]:
        if channel not in self.channels():
            raise TextRejected(f"no Twilio sender is configured for {channel}", code="no_sender")
        arguments: dict[str, Any] = {}
        if self.status_callback:
            arguments["status_callback"] = self.status_callback
        if channel == "whatsapp":
            arguments.update(to=f"whatsapp:{to_phone}", from_=f"whatsapp:{self.whatsapp_from}")
            if template:
                variables = {str(n): value for n, value in enumerate(parameters, start=1)}
                arguments.update(
                    content_sid=self.content_sid(template),
                    content_variables=json.dumps(variables),
                )
            else:
                arguments["body"] = text
            return arguments
        arguments.update(to=to_phone, body=text)
        if self.messaging_service_sid:
            arguments["messaging_service_sid"] = self.messaging_service_sid
        else:
            arguments["from_"] = self.sms_from
        return arguments

    def send_message(
        self,
        *,
        channel: str,
        to_phone: str,
        text: str,
        template: str | None = None,
        parameters: Sequence[str] = (),
    ) -> TextReceipt:
        check_text_message(channel, to_phone, text)
        arguments = self._arguments(channel, to_phone, text, template, parameters)
        try:
            message = self._client.messages.create(**arguments)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise TextDeliveryError(f"Twilio answered {exc.status} (code {exc.code})") from None
            raise TextRejected(
                f"Twilio refused the message: {exc.status} (code {exc.code})", code=str(exc.code)
            ) from None
        except (requests.RequestException, TwilioException) as exc:
            raise TextDeliveryError(f"cannot reach Twilio: {type(exc).__name__}") from None
        return TextReceipt(self.name, str(message.sid), str(message.status or "queued"))

    def send(self, *, channel: str, to_phone: str, text: str) -> None:
        """The plain :class:`~portal.adapters.messaging.base.TextMessageSender` interface."""
        self.send_message(channel=channel, to_phone=to_phone, text=text)

    def valid_callback(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        """Whether ``X-Twilio-Signature`` matches the public URL and the form parameters."""
        if not signature:
            return False
        return bool(RequestValidator(self._auth_token).validate(url, dict(params), signature))
