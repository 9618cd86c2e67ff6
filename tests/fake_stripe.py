"""A stateful fake of the parts of the Stripe API the portal uses, as a ``stripe.HTTPClient``.

Stripe cannot be reached from CI and stripe-mock cannot be built here (docs/notes payments §2),
so the SDK runs unchanged against this fake::

    fake = FakeStripe()
    client = StripeClient("sk_test_x", http_client=fake, max_network_retries=0)

What it does, like the real API (2026-10-28.endive, the version stripe 16.1.0 pins):

* routes ``/v1/payment_intents`` (create, retrieve, ``/confirm``, ``/cancel``; Pix, boleto and
  card intents),
  ``/v1/checkout/sessions`` (create, retrieve, ``/expire``), ``/v1/refunds``, ``/v1/charges/{id}``
  and ``/v1/events`` (list with ``delivery_success``, ``created``, ``type(s)`` and cursor
  pagination; retrieve), with ``expand`` of ids it stores;
* rejects unknown parameters at any depth, using the SDK's own generated ``TypedDict`` params
  as the spec (``Received unknown parameter: payment_method_options[pix][expire_at]``), and
  ``payment_method_types``, which this API version no longer accepts
  (``payment_method_types_no_longer_supported``: use ``allowed_payment_method_types``);
* idempotency as documented (docs.stripe.com/idempotency): a POST's response is saved under its
  ``Idempotency-Key`` once the endpoint began executing (successes and state errors such as
  ``payment_intent_unexpected_state``; not validation errors); the same key with the same
  parameters replays it (``Idempotent-Replayed: true``, no new object); the same key with other
  parameters or another endpoint answers 400 ``idempotency_error``; keys expire after 24 h;
* errors in Stripe's JSON shape (``{"error": {"type", "code", "message", "param"}}``), so the
  SDK raises its real exception classes.

A boleto intent is confirmed with ``payment_method_data[boleto][tax_id]`` (11 or 14 digits) and
``billing_details`` name, e-mail and a Brazilian address, as Stripe requires; its
``next_action.boleto_display_details`` carries a linha digitável valid by FEBRABAN's rules
(``portal.domain.boleto``), the voucher's URL and PDF and ``expires_at`` (23:59 in São Paulo,
``expires_after_days`` calendar days later, default 3); a boleto charge cannot be refunded
(Stripe: refunds not supported for boleto).

Test-driving helpers change state *and* record Stripe-shaped events (``evt_…``) with a
``delivered`` flag: :meth:`FakeStripe.pay_pix` (also pays a boleto: :meth:`~FakeStripe.pay_boleto`),
:meth:`~FakeStripe.expire_boleto`, :meth:`~FakeStripe.fail`,
:meth:`~FakeStripe.expire_pix`, :meth:`~FakeStripe.set_processing`,
:meth:`~FakeStripe.complete_checkout`, :meth:`~FakeStripe.async_payment`,
:meth:`~FakeStripe.expire_checkout`; :meth:`~FakeStripe.events` lists them,
:meth:`~FakeStripe.signed` signs one for a webhook, :meth:`~FakeStripe.undeliver` makes one show
up in ``/v1/events?delivery_success=false``; :meth:`~FakeStripe.fail_next` injects network
failures and :meth:`~FakeStripe.respond_next` any canned answer; :attr:`~FakeStripe.calls`
logs every request (with its idempotency key).

Simplifications (not Stripe's behaviour, on purpose): one BRL account with ``card`` and ``pix``
enabled (configurable); the Pix code is a *static* BR Code built by our own encoder (Stripe's
are dynamic); a Pix expiry does not happen by itself (call :meth:`~FakeStripe.expire_pix`);
helpers are god-mode (no clock checks) and raise ``ValueError`` for a transition Stripe could not
make; a Checkout Session's PaymentIntent is created when the session completes (as Stripe does
since 2022-08-01); requests are serialised by one lock, so the 409 "concurrent request with the
same key" case never happens. Messages of errors marked ``(fake)`` are not Stripe's wording.
"""

from __future__ import annotations

import copy
import datetime
import fnmatch
import json
import re
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import stripe
import stripe.params as sp
import stripe.params.checkout as spc
from requests.structures import CaseInsensitiveDict
from stripe._request_options import RequestOptions

from portal.domain.boleto import build_barcode, line_from_barcode
from portal.domain.pix import InvalidBRCode, build_brcode

API_VERSION = stripe.api_version
FAKE_PIX_KEY = "123e4567-e12b-12d1-a456-426655440000"
FAKE_MERCHANT_NAME = "Stripe Fake Pagamentos"
FAKE_MERCHANT_CITY = "Sao Paulo"
IDEMPOTENCY_TTL = 24 * 3600
PIX_DEFAULT_EXPIRY = 14_400  # seconds after confirmation (stripe 16.1.0 docstrings)
PIX_EXPIRY_RANGE = (60, 1_209_600)
BOLETO_DEFAULT_DAYS = 3
BOLETO_DAYS_RANGE = (0, 60)
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
CHECKOUT_EXPIRY_RANGE = (1800, 86_400)  # 30 minutes to 24 hours after creation
MAX_AMOUNT = 99_999_999  # "up to eight digits"
FAILURE_KINDS = ("connection", "timeout", "500", "429")
CANCELLABLE = (
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
)

_REQUEST_OPTIONS = frozenset(RequestOptions.__annotations__)
_SPEC_NAME = re.compile(r"\b([A-Z]\w*Params\w*)\b")
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


# --------------------------------------------------------------------------- form bodies


def decode_form(text: str) -> dict[str, Any]:
    """Decode a Stripe form body or query string (``a[b][0][c]=d``) into nested dicts/lists.

    Values stay strings, as the server receives them. ``a[]=x`` appends; a dict whose keys
    are exactly ``0..n-1`` becomes a list (so metadata keyed ``"0"``, ``"1"`` would too).
    """
    root: dict[str, Any] = {}
    for raw_key, value in parse_qsl(text, keep_blank_values=True, strict_parsing=False):
        match = _KEY.match(raw_key)
        if match is None:
            raise ValueError(f"malformed parameter name: {raw_key!r}")
        path = [match[1], *re.findall(r"\[([^\[\]]*)\]", match[2])]
        node: dict[str, Any] = root
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            if part == "":  # a[] = append
                part = str(sum(1 for k in node if k.isdigit()))
            if last:
                if isinstance(node.get(part), dict):
                    raise ValueError(f"parameter {raw_key!r} is both a value and a hash")
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ValueError(f"parameter {raw_key!r} is both a value and a hash")
                node = child
    return _lists(root)


def _lists(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {k: _lists(v) for k, v in value.items()}
    if converted and all(k.isdigit() for k in converted):
        indexes = sorted(int(k) for k in converted)
        if indexes == list(range(len(indexes))):
            return [converted[str(i)] for i in indexes]
    return converted


def unknown_parameter(params: Mapping[str, Any], spec: type, where: str = "") -> str | None:
    """The first parameter (``a[b][c]``) that ``spec`` (an SDK params TypedDict) lacks."""
    namespace = vars(sys.modules[spec.__module__])
    annotations = spec.__annotations__
    for key, value in params.items():
        name = f"{where}[{key}]" if where else key
        if key not in annotations or (not where and key in _REQUEST_OPTIONS):
            return name
        text = str(annotations[key])
        if "Dict[str" in text:  # metadata and other free-form hashes
            continue
        nested = [
            namespace[n] for n in _SPEC_NAME.findall(text) if isinstance(namespace.get(n), type)
        ]
        if not nested:
            continue
        items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
        for index, item in items:
            if not isinstance(item, dict):
                continue
            inner = name if index is None else f"{name}[{index}]"
            problems = [unknown_parameter(item, s, inner) for s in nested]
            if all(problems):
                return problems[0]
    return None


# --------------------------------------------------------------------------- errors, calls


class StripeErrorResponse(Exception):
    """An error the fake answers with, in Stripe's JSON shape.

    ``saved``: whether the idempotency layer keeps it (the endpoint began executing).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        saved: bool = False,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.saved = saved
        self.body = {
            "error": {
                "type": type,
                "code": code,
                "message": message,
                "param": param,
                **(extra or {}),
            }
        }


def _bad(message: str, *, param: str | None = None, code: str | None = None) -> StripeErrorResponse:
    return StripeErrorResponse(400, message, param=param, code=code)


def _missing(kind: str, object_id: str) -> StripeErrorResponse:
    return StripeErrorResponse(
        404, f"No such {kind}: '{object_id}'", param="id", code="resource_missing"
    )


@dataclass
class Call:
    """One request the SDK made (``status`` None: it never got an answer)."""

    method: str
    path: str
    url: str
    params: dict[str, Any]
    idempotency_key: str | None
    status: int | None = None
    replayed: bool = False
    failure: str | None = None


@dataclass
class _Saved:
    fingerprint: tuple[str, str, str]
    status: int
    body: dict[str, Any]
    at: float


@dataclass
class _Context:
    request_id: str
    idempotency_key: str | None


def _int(params: Mapping[str, Any], name: str, *, required: bool = False) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise _bad(f"Missing required param: {name}.", param=name, code="parameter_missing")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(
            f"Invalid integer: {value}", param=name, code="parameter_invalid_integer"
        ) from None


def _metadata(value: Any, param: str = "metadata") -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise _bad("Invalid hash", param=param)
    if len(value) > 50:
        raise _bad("Metadata can have at most 50 keys.", param=param)
    for key, item in value.items():
        if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
            raise _bad(
                f"Invalid metadata entry {key!r} (fake: keys <= 40, values <= 500).",
                param=f"{param}[{key}]",
            )
    return dict(value)


# --------------------------------------------------------------------------- the fake


class FakeStripe(stripe.HTTPClient):
    """Stripe, in memory. Thread-safe (one lock); ids are random, like Stripe's."""

    name = "fake_stripe"

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        events_delivered: bool = True,
        min_amount: int = 50,
        payment_methods: Iterable[str] = ("card", "pix", "boleto"),
    ) -> None:
        super().__init__()
        self.clock = clock
        self.events_delivered = events_delivered
        self.min_amount = min_amount
        self.payment_methods = tuple(payment_methods)
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.checkout_sessions: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self._events: list[dict[str, Any]] = []
        self._delivered: dict[str, bool] = {}
        self._session_pi_data: dict[str, dict[str, Any]] = {}
        self._boleto_tax_ids: dict[str, str] = {}
        self._saved: dict[str, _Saved] = {}
        self._failures: deque[tuple[str, str | None, tuple[int, dict[str, Any]] | None]] = deque()
        self._lock = threading.RLock()
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., dict[str, Any]], type]] = [
            (
                "post",
                re.compile(r"/v1/payment_intents"),
                self._create_intent,
                sp.PaymentIntentCreateParams,
            ),
            (
                "get",
                re.compile(r"/v1/payment_intents/(?P<id>[^/]+)"),
                self._get_intent,
                sp.PaymentIntentRetrieveParams,
            ),
            (
                "post",
                re.compile(r"/v1/payment_intents/(?P<id>[^/]+)/confirm"),
                self._confirm_intent,
                sp.PaymentIntentConfirmParams,
            ),
            (
                "post",
                re.compile(r"/v1/payment_intents/(?P<id>[^/]+)/cancel"),
                self._cancel_intent,
                sp.PaymentIntentCancelParams,
            ),
            (
                "post",
                re.compile(r"/v1/checkout/sessions"),
                self._create_session,
                spc.SessionCreateParams,
            ),
            (
                "get",
                re.compile(r"/v1/checkout/sessions/(?P<id>[^/]+)"),
                self._get_session,
                spc.SessionRetrieveParams,
            ),
            (
                "post",
                re.compile(r"/v1/checkout/sessions/(?P<id>[^/]+)/expire"),
                self._expire_session,
                spc.SessionExpireParams,
            ),
            ("post", re.compile(r"/v1/refunds"), self._create_refund, sp.RefundCreateParams),
            (
                "get",
                re.compile(r"/v1/refunds/(?P<id>[^/]+)"),
                self._get_refund,
                sp.RefundRetrieveParams,
            ),
            (
                "get",
                re.compile(r"/v1/charges/(?P<id>[^/]+)"),
                self._get_charge,
                sp.ChargeRetrieveParams,
            ),
            ("get", re.compile(r"/v1/events"), self._list_events, sp.EventListParams),
            (
                "get",
                re.compile(r"/v1/events/(?P<id>[^/]+)"),
                self._get_event,
                sp.EventRetrieveParams,
            ),
        ]

    # ------------------------------------------------------------------ HTTPClient contract

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        with self._lock:
            method = method.lower()
            parts = urlsplit(url)
            raw = parts.query if method in ("get", "delete") else (post_data or "")
            if isinstance(raw, bytes):
                raw = raw.decode("utf-8")
            key = next(
                (v for k, v in (headers or {}).items() if k.lower() == "idempotency-key"), None
            )
            call = Call(method, parts.path, url, {}, key if method == "post" else None)
            self.calls.append(call)
            try:
                call.params = decode_form(raw)
                malformed = None
            except ValueError as exc:
                malformed = str(exc)
            failure, canned = self._next_failure(parts.path)
            call.failure = failure
            if canned is not None:
                call.status = canned[0]
                return json.dumps(canned[1]), canned[0], self._headers()
            if failure == "connection":
                raise stripe.APIConnectionError(
                    "Fake network failure: the request never reached Stripe", should_retry=True
                )
            if failure in ("500", "429"):
                status = int(failure)
                error = StripeErrorResponse(
                    status,
                    "Fake failure injected before Stripe ran the request.",
                    type="api_error" if status == 500 else "invalid_request_error",
                    code="rate_limit" if status == 429 else None,
                )
                call.status = status
                return json.dumps(error.body), status, self._headers()
            if malformed is not None:
                call.status = 400
                return json.dumps(_bad(malformed).body), 400, self._headers()
            status, body, replayed = self._handle(method, parts.path, call.params, call)
            call.status, call.replayed = status, replayed
            if failure == "timeout":
                raise stripe.APIConnectionError(
                    "Fake network failure: Stripe ran the request but the answer was lost",
                    should_retry=True,
                )
            response_headers = self._headers()
            if replayed:
                response_headers["Idempotent-Replayed"] = "true"
            return json.dumps(body), status, response_headers

    def _headers(self) -> CaseInsensitiveDict[str]:
        return CaseInsensitiveDict({"Request-Id": self._id("req"), "Stripe-Version": API_VERSION})

    def request_stream(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the fake Stripe does not stream")

    def close(self) -> None:
        pass

    def client(self, **kwargs: Any) -> stripe.StripeClient:
        """A ``StripeClient`` talking to this fake, without network retries."""
        kwargs.setdefault("max_network_retries", 0)
        return stripe.StripeClient("sk_test_fake", http_client=self, **kwargs)

    # ------------------------------------------------------------------ dispatch

    def _handle(
        self, method: str, path: str, params: dict[str, Any], call: Call
    ) -> tuple[int, dict[str, Any], bool]:
        route = self._route(method, path)
        if route is None:
            return 404, _bad(f"Unrecognized request URL ({method.upper()}: {path}).").body, False
        handler, spec, path_args = route
        key = call.idempotency_key
        fingerprint = (method, path, json.dumps(params, sort_keys=True))
        now = self.clock()
        saved = self._saved.get(key) if key else None
        if saved is not None and now - saved.at > IDEMPOTENCY_TTL:
            saved = None
        if saved is not None:
            if saved.fingerprint[:2] != fingerprint[:2]:
                return (
                    400,
                    self._idempotency_error(
                        f"Keys for idempotent requests can only be used for the same endpoint they "
                        f"were first used for ('{saved.fingerprint[1]}' vs '{path}'). Try using a "
                        f"key other than '{key}' if you meant to execute a different request."
                    ),
                    False,
                )
            if saved.fingerprint != fingerprint:
                return (
                    400,
                    self._idempotency_error(
                        f"Keys for idempotent requests can only be used with the same parameters "
                        f"they were first used with. Try using a key other than '{key}' if you "
                        f"meant to execute a different request."
                    ),
                    False,
                )
            return saved.status, copy.deepcopy(saved.body), True
        context = _Context(self._id("req"), key)
        try:
            self._check_parameters(params, spec, path)
            status, body, keep = 200, handler(context, params, **path_args), True
        except StripeErrorResponse as exc:
            status, body, keep = exc.status, exc.body, exc.saved
        if key and keep:
            self._saved[key] = _Saved(fingerprint, status, copy.deepcopy(body), now)
        return status, body, False

    def _route(
        self, method: str, path: str
    ) -> tuple[Callable[..., dict[str, Any]], type, dict[str, str]] | None:
        for route_method, pattern, handler, spec in self._routes:
            match = pattern.fullmatch(path)
            if route_method == method and match:
                return handler, spec, match.groupdict()
        return None

    @staticmethod
    def _idempotency_error(message: str) -> dict[str, Any]:
        return {
            "error": {"type": "idempotency_error", "message": message, "code": None, "param": None}
        }

    @staticmethod
    def _check_parameters(params: Mapping[str, Any], spec: type, path: str) -> None:
        if "payment_method_types" in params:
            raise _bad(
                "payment_method_types is no longer supported on this API version: use "
                "allowed_payment_method_types.",
                param="payment_method_types",
                code="payment_method_types_no_longer_supported",
            )
        unknown = unknown_parameter(params, spec)
        if unknown:
            raise _bad(
                f"Received unknown parameter: {unknown}", param=unknown, code="parameter_unknown"
            )

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _id(prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex[:24]}"

    def _now(self) -> int:
        return int(self.clock())

    def _find(self, object_id: str) -> dict[str, Any] | None:
        for prefix, store in (
            ("pi_", self.payment_intents),
            ("cs_", self.checkout_sessions),
            ("ch_", self.charges),
            ("re_", self.refunds),
        ):
            if object_id.startswith(prefix):
                return store.get(object_id)
        return None

    def _expand(self, obj: dict[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
        result = copy.deepcopy(obj)
        paths = params.get("expand") or []
        for path in paths if isinstance(paths, list) else [paths]:
            node: Any = result
            for part in str(path).split("."):
                if not isinstance(node, dict) or part not in node:
                    raise _bad(f"This property cannot be expanded ({path}).", param="expand")
                value = node[part]
                if value is None:
                    break
                found = self._find(value) if isinstance(value, str) else None
                if found is not None:
                    node[part] = value = copy.deepcopy(found)
                elif not isinstance(value, dict):
                    raise _bad(f"This property cannot be expanded ({path}).", param="expand")
                node = value
        return result

    def _event(
        self, context: _Context | None, type_: str, obj: Mapping[str, Any]
    ) -> dict[str, Any]:
        event_id = self._id("evt")
        event: dict[str, Any] = {
            "id": event_id,
            "object": "event",
            "api_version": API_VERSION,
            "created": self._now(),
            "data": {"object": copy.deepcopy(dict(obj))},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {
                "id": context.request_id if context else None,
                "idempotency_key": context.idempotency_key if context else None,
            },
            "type": type_,
        }
        self._events.append(event)
        self._delivered[event_id] = self.events_delivered
        return event

    def _intent(self, intent_id: str) -> dict[str, Any]:
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            raise _missing("payment_intent", intent_id)
        return intent

    def _session(self, session_id: str) -> dict[str, Any]:
        session = self.checkout_sessions.get(session_id)
        if session is None:
            raise _missing("checkout.session", session_id)
        return session

    def _check_amount(self, amount: int, param: str = "amount") -> None:
        if amount < self.min_amount:
            raise _bad(
                f"Amount must be at least R$ {self.min_amount / 100:.2f} brl",
                param=param,
                code="amount_too_small",
            )
        if amount > MAX_AMOUNT:
            raise _bad(
                "Amount must be no more than R$ 999,999.99", param=param, code="amount_too_large"
            )

    def _allowed(self, params: Mapping[str, Any]) -> list[str]:
        allowed = params.get("allowed_payment_method_types") or list(self.payment_methods)
        return [m for m in self.payment_methods if m in allowed]

    def _new_intent(
        self,
        *,
        amount: int,
        types: list[str],
        description: str | None,
        metadata: dict[str, str],
        options: dict[str, Any],
    ) -> dict[str, Any]:
        intent_id = self._id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "capture_method": "automatic",
            "canceled_at": None,
            "cancellation_reason": None,
            "client_secret": f"{intent_id}_secret_{uuid.uuid4().hex[:24]}",
            "confirmation_method": "automatic",
            "created": self._now(),
            "currency": "brl",
            "description": description,
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": metadata,
            "next_action": None,
            "payment_method": None,
            "payment_method_options": options,
            "payment_method_types": types,
            "status": "requires_payment_method",
        }
        self.payment_intents[intent_id] = intent
        return intent

    def _charge(self, intent: dict[str, Any], method: str) -> dict[str, Any]:
        charge_id = self._id("ch")
        details: dict[str, Any] = {"type": method}
        if method == "pix":
            details["pix"] = {"bank_transaction_id": "E" + uuid.uuid4().hex[:31].upper()}
        if method == "boleto":
            details["boleto"] = {"tax_id": self._boleto_tax_ids.get(intent["id"])}
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"],
            "amount_refunded": 0,
            "captured": True,
            "created": self._now(),
            "currency": intent["currency"],
            "description": intent["description"],
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "paid": True,
            "payment_intent": intent["id"],
            "payment_method_details": details,
            "refunded": False,
            "status": "succeeded",
        }
        self.charges[charge_id] = charge
        return charge

    def _pix_action(self, intent: dict[str, Any]) -> dict[str, Any]:
        options = (intent["payment_method_options"] or {}).get("pix") or {}
        expires_at = options.get("expires_at") or (
            self._now() + (options.get("expires_after_seconds") or PIX_DEFAULT_EXPIRY)
        )
        txid = re.sub(r"[^A-Za-z0-9]", "", intent["id"])[-25:]
        description = intent["description"]
        try:
            data = build_brcode(
                key=FAKE_PIX_KEY,
                merchant_name=FAKE_MERCHANT_NAME,
                merchant_city=FAKE_MERCHANT_CITY,
                amount_cents=intent["amount"],
                txid=txid,
                description=description[:37] if description else None,
            )
        except InvalidBRCode:  # a description our encoder cannot carry: leave it out
            data = build_brcode(
                key=FAKE_PIX_KEY,
                merchant_name=FAKE_MERCHANT_NAME,
                merchant_city=FAKE_MERCHANT_CITY,
                amount_cents=intent["amount"],
                txid=txid,
            )
        token = uuid.uuid4().hex
        return {
            "type": "pix_display_qr_code",
            "pix_display_qr_code": {
                "data": data,
                "expires_at": int(expires_at),
                "hosted_instructions_url": f"https://payments.stripe.com/pix/instructions/{token}",
                "image_url_png": f"https://qr.stripe.com/{token}.png",
                "image_url_svg": f"https://qr.stripe.com/{token}.svg",
            },
        }

    def _boleto_action(self, intent: dict[str, Any]) -> dict[str, Any]:
        options = (intent["payment_method_options"] or {}).get("boleto") or {}
        days = options.get("expires_after_days", BOLETO_DEFAULT_DAYS)
        today = datetime.datetime.fromtimestamp(self._now(), SAO_PAULO).date()
        due = today + datetime.timedelta(days=days)
        last_moment = datetime.datetime.combine(due, datetime.time(23, 59, 59), SAO_PAULO)
        digits = re.sub(r"\D", "", uuid.uuid4().int.__str__())
        barcode = build_barcode(
            bank="237", due=due, amount_cents=intent["amount"], free_field=digits[:25].zfill(25)
        )
        token = uuid.uuid4().hex
        return {
            "type": "boleto_display_details",
            "boleto_display_details": {
                "expires_at": int(last_moment.timestamp()),
                "hosted_voucher_url": f"https://payments.stripe.com/boleto/voucher/{token}",
                "number": line_from_barcode(barcode),
                "pdf": f"https://payments.stripe.com/boleto/voucher/{token}/pdf",
            },
        }

    @staticmethod
    def _check_boleto_payer(data: Mapping[str, Any]) -> str:
        """What Stripe requires of a boleto's payer; returns the tax id."""
        tax_id = str((data.get("boleto") or {}).get("tax_id") or "")
        if not tax_id:
            raise _bad(
                "Missing required param: payment_method_data[boleto][tax_id].",
                param="payment_method_data[boleto][tax_id]",
                code="parameter_missing",
            )
        if not (tax_id.isdigit() and len(tax_id) in (11, 14)):
            raise _bad(
                "Invalid tax_id: a CPF (11 digits) or CNPJ (14 digits) is required (fake).",
                param="payment_method_data[boleto][tax_id]",
            )
        billing = data.get("billing_details") or {}
        address = billing.get("address") or {}
        for name, value in (
            ("name", billing.get("name")),
            ("email", billing.get("email")),
            ("address][line1", address.get("line1")),
            ("address][city", address.get("city")),
            ("address][state", address.get("state")),
            ("address][postal_code", address.get("postal_code")),
            ("address][country", address.get("country")),
        ):
            if not value:
                raise _bad(
                    f"Missing required param: payment_method_data[billing_details][{name}].",
                    param=f"payment_method_data[billing_details][{name}]",
                    code="parameter_missing",
                )
        return tax_id

    # ------------------------------------------------------------------ PaymentIntents

    def _create_intent(self, context: _Context, params: dict[str, Any]) -> dict[str, Any]:
        amount = _int(params, "amount", required=True)
        assert amount is not None
        if params.get("currency") != "brl":
            raise _bad(
                "The fake Stripe account settles in BRL only: currency must be brl.",
                param="currency",
            )
        self._check_amount(amount)
        pix = ((params.get("payment_method_options") or {}).get("pix")) or {}
        options: dict[str, Any] = {}
        if pix:
            expires_at = _int(pix, "expires_at")
            after = _int(pix, "expires_after_seconds")
            if expires_at is not None and after is not None:
                raise _bad(
                    "expires_at and expires_after_seconds are mutually exclusive.",
                    param="payment_method_options[pix][expires_at]",
                )
            low, high = PIX_EXPIRY_RANGE
            if expires_at is not None and not low <= expires_at - self._now() <= high:
                raise _bad(
                    "expires_at must be between 60 and 1209600 seconds from now.",
                    param="payment_method_options[pix][expires_at]",
                )
            if after is not None and not low <= after <= high:
                raise _bad(
                    "expires_after_seconds must be between 60 and 1209600.",
                    param="payment_method_options[pix][expires_after_seconds]",
                )
            options["pix"] = {
                "expires_at": expires_at,
                "expires_after_seconds": after,
                "amount_includes_iof": "never",
            }
        boleto = ((params.get("payment_method_options") or {}).get("boleto")) or {}
        if boleto:
            days = _int(boleto, "expires_after_days")
            low, high = BOLETO_DAYS_RANGE
            if days is not None and not low <= days <= high:
                raise _bad(
                    "expires_after_days must be between 0 and 60 (fake).",
                    param="payment_method_options[boleto][expires_after_days]",
                )
            options["boleto"] = {
                "expires_after_days": BOLETO_DEFAULT_DAYS if days is None else days
            }
        intent = self._new_intent(
            amount=amount,
            types=self._allowed(params),
            description=params.get("description") or None,
            metadata=_metadata(params.get("metadata")),
            options=options,
        )
        self._event(context, "payment_intent.created", intent)
        if params.get("confirm") == "true":
            return self._confirm_intent(context, params, id=intent["id"])
        return self._expand(intent, params)

    def _get_intent(self, context: _Context, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._expand(self._intent(id), params)

    def _confirm_intent(self, context: _Context, params: dict[str, Any], id: str) -> dict[str, Any]:
        intent = self._intent(id)
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            raise StripeErrorResponse(
                400,
                f"You cannot confirm this PaymentIntent because it has a status of "
                f"{intent['status']}.",
                code="payment_intent_unexpected_state",
                saved=True,
                extra={"payment_intent": copy.deepcopy(intent)},
            )
        method = (params.get("payment_method_data") or {}).get("type") or (
            intent["payment_method_types"] or [None]
        )[0]
        if method not in intent["payment_method_types"]:
            raise _bad(
                f"The payment method type {method!r} is not allowed for this "
                f"PaymentIntent (enabled: {intent['payment_method_types']}).",
                param="payment_method_data[type]",
                code="payment_intent_incompatible_payment_method",
            )
        tax_id = None
        if method == "boleto":
            tax_id = self._check_boleto_payer(params.get("payment_method_data") or {})
        intent.update(payment_method=self._id("pm"), last_payment_error=None)
        if method == "boleto":
            self._boleto_tax_ids[intent["id"]] = str(tax_id)
            intent.update(status="requires_action", next_action=self._boleto_action(intent))
            self._event(context, "payment_intent.requires_action", intent)
        elif method == "pix":
            intent.update(status="requires_action", next_action=self._pix_action(intent))
            self._event(context, "payment_intent.requires_action", intent)
        else:  # a test card that just works
            charge = self._charge(intent, method)
            intent.update(
                status="succeeded",
                amount_received=intent["amount"],
                latest_charge=charge["id"],
                next_action=None,
            )
            self._event(context, "charge.succeeded", charge)
            self._event(context, "payment_intent.succeeded", intent)
        return self._expand(intent, params)

    def _cancel_intent(self, context: _Context, params: dict[str, Any], id: str) -> dict[str, Any]:
        intent = self._intent(id)
        if intent["status"] not in CANCELLABLE:
            raise StripeErrorResponse(
                400,
                f"You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                f"may be canceled: {', '.join(CANCELLABLE)}.",
                code="payment_intent_unexpected_state",
                saved=True,
                extra={"payment_intent": copy.deepcopy(intent)},
            )
        intent.update(
            status="canceled",
            canceled_at=self._now(),
            next_action=None,
            cancellation_reason=params.get("cancellation_reason") or None,
        )
        self._event(context, "payment_intent.canceled", intent)
        return self._expand(intent, params)

    # ------------------------------------------------------------------ Checkout Sessions

    def _create_session(self, context: _Context, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("mode") != "payment":
            raise _bad("The fake supports mode=payment only.", param="mode")
        items = params.get("line_items")
        if not isinstance(items, list) or not items:
            raise _bad("line_items is required in payment mode.", param="line_items")
        total = 0
        for index, item in enumerate(items):
            price = item.get("price_data") if isinstance(item, dict) else None
            where = f"line_items[{index}]"
            if not isinstance(price, dict) or not (price.get("product_data") or {}).get("name"):
                raise _bad(
                    "The fake needs price_data with product_data[name] (no Price ids).",
                    param=f"{where}[price_data]",
                )
            if price.get("currency") != "brl":
                raise _bad(
                    "The fake Stripe account settles in BRL only.",
                    param=f"{where}[price_data][currency]",
                )
            unit = _int(price, "unit_amount", required=True)
            quantity = _int(item, "quantity", required=True)
            assert unit is not None and quantity is not None
            if quantity < 1:
                raise _bad("quantity must be at least 1.", param=f"{where}[quantity]")
            total += unit * quantity
        self._check_amount(total, "line_items")
        now = self._now()
        expires_at = _int(params, "expires_at")
        low, high = CHECKOUT_EXPIRY_RANGE
        if expires_at is not None and not low <= expires_at - now <= high:
            raise _bad(
                "The `expires_at` timestamp must be between 30 minutes and 24 hours "
                "from Checkout Session creation.",
                param="expires_at",
            )
        pi_data = params.get("payment_intent_data") or {}
        session_id = "cs_test_" + uuid.uuid4().hex
        self._session_pi_data[session_id] = {
            "metadata": _metadata(pi_data.get("metadata"), "payment_intent_data[metadata]"),
            "description": pi_data.get("description") or None,
        }
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": "brl",
            "expires_at": expires_at or now + high,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": _metadata(params.get("metadata")),
            "mode": "payment",
            "payment_intent": None,
            "payment_method_types": self._allowed(params),
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.checkout_sessions[session_id] = session
        return self._expand(session, params)

    def _get_session(self, context: _Context, params: dict[str, Any], id: str) -> dict[str, Any]:
        return self._expand(self._session(id), params)

    def _expire_session(self, context: _Context, params: dict[str, Any], id: str) -> dict[str, Any]:
        session = self._session(id)
        if session["status"] != "open":
            raise StripeErrorResponse(
                400,
                f'Only Checkout Sessions with a status in ["open"] can be expired. This '
                f"Checkout Session has a status of `{session['status']}`.",
                saved=True,
            )
        session.update(status="expired", url=None)
        self._event(context, "checkout.session.expired", session)
        return self._expand(session, params)

    # ------------------------------------------------------------------ refunds, charges

    def _create_refund(self, context: _Context, params: dict[str, Any]) -> dict[str, Any]:
        charge_id = params.get("charge")
        intent_id = params.get("payment_intent")
        if intent_id:
            intent = self._intent(intent_id)
            charge_id = intent["latest_charge"] if intent["status"] == "succeeded" else None
            if charge_id is None:
                raise _bad(
                    f"This PaymentIntent ({intent_id}) does not have a successful charge "
                    f"to refund.",
                    param="payment_intent",
                )
        if not charge_id:
            raise _bad(
                "One of charge or payment_intent is required.",
                param="payment_intent",
                code="parameter_missing",
            )
        charge = self.charges.get(charge_id)
        if charge is None:
            raise _missing("charge", charge_id)
        if charge["payment_method_details"]["type"] == "boleto":
            raise _bad(
                "Refunds are not supported for boleto payments (fake).",
                param="payment_intent",
                code="charge_not_refundable",
            )
        remaining = charge["amount"] - charge["amount_refunded"]
        amount = _int(params, "amount")
        amount = remaining if amount is None else amount
        if amount <= 0 or amount > remaining:
            raise _bad(
                f"Refund amount ({amount}) must be positive and at most the unrefunded "
                f"amount on the charge ({remaining}) (fake).",
                param="amount",
                code="amount_too_large" if amount > 0 else None,
            )
        refund = {
            "id": self._id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge_id,
            "created": self._now(),
            "currency": charge["currency"],
            "metadata": _metadata(params.get("metadata")),
            "payment_intent": charge["payment_intent"],
            "reason": params.get("reason"),
            "status": "succeeded",
        }
        self.refunds[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        self._event(context, "refund.created", refund)
        self._event(context, "charge.refunded", charge)
        return self._expand(refund, params)

    def _get_refund(self, context: _Context, params: dict[str, Any], id: str) -> dict[str, Any]:
        refund = self.refunds.get(id)
        if refund is None:
            raise _missing("refund", id)
        return self._expand(refund, params)

    def _get_charge(self, context: _Context, params: dict[str, Any], id: str) -> dict[str, Any]:
        charge = self.charges.get(id)
        if charge is None:
            raise _missing("charge", id)
        return self._expand(charge, params)

    # ------------------------------------------------------------------ events

    def _list_events(self, context: _Context, params: dict[str, Any]) -> dict[str, Any]:
        limit = _int(params, "limit") or 10
        if not 1 <= limit <= 100:
            raise _bad("limit must be between 1 and 100.", param="limit")
        selected = list(reversed(self._events))  # newest first, as Stripe lists
        delivery = params.get("delivery_success")
        if delivery in ("true", "false"):
            wanted = delivery == "true"
            selected = [e for e in selected if self._delivered[e["id"]] == wanted]
        patterns = [params["type"]] if params.get("type") else list(params.get("types") or [])
        if patterns:
            selected = [
                e for e in selected if any(fnmatch.fnmatchcase(e["type"], p) for p in patterns)
            ]
        created = params.get("created")
        if isinstance(created, dict):
            checks = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
            for op, bound in created.items():
                if op not in checks:
                    raise _bad(f"Received unknown parameter: created[{op}]", param="created")
                selected = [e for e in selected if checks[op](e["created"], int(bound))]
        elif created is not None:
            selected = [e for e in selected if e["created"] == int(created)]
        ids = [e["id"] for e in selected]
        if params.get("starting_after"):
            cursor = params["starting_after"]
            start = ids.index(cursor) + 1 if cursor in ids else len(ids)
            page = selected[start : start + limit]
            has_more = start + limit < len(selected)
        elif params.get("ending_before"):
            cursor = params["ending_before"]
            end = ids.index(cursor) if cursor in ids else 0
            page = selected[max(0, end - limit) : end]
            has_more = end - limit > 0
        else:
            page, has_more = selected[:limit], len(selected) > limit
        return {
            "object": "list",
            "url": "/v1/events",
            "has_more": has_more,
            "data": copy.deepcopy(page),
        }

    def _get_event(self, context: _Context, params: dict[str, Any], id: str) -> dict[str, Any]:
        for event in self._events:
            if event["id"] == id:
                return copy.deepcopy(event)
        raise _missing("event", id)

    # ------------------------------------------------------------------ test drivers

    def fail_next(self, n: int = 1, kind: str = "connection", *, path: str | None = None) -> None:
        """Make the next ``n`` requests (to a path matching the glob ``path``) fail.

        ``connection``: never reaches Stripe; ``timeout``: Stripe runs it (and saves it under
        its idempotency key) but the answer is lost; ``500``/``429``: an error answered before
        Stripe ran anything (not saved). The SDK retries all of them when it may. Failures are
        queued in order: one for ``*/confirm`` lets earlier requests to other paths through.
        """
        if kind not in FAILURE_KINDS:
            raise ValueError(f"kind must be one of {FAILURE_KINDS}")
        with self._lock:
            self._failures.extend([(kind, path, None)] * n)

    def respond_next(
        self, status: int, body: Mapping[str, Any], *, path: str | None = None
    ) -> None:
        """Answer the next request (to ``path``, a glob) with this, running nothing.

        For answers the fake cannot otherwise produce (an odd status, an unexpected refusal).
        Queued with :meth:`fail_next`'s failures, in order; never saved for idempotency.
        """
        with self._lock:
            self._failures.append(("canned", path, (status, copy.deepcopy(dict(body)))))

    def _next_failure(self, path: str) -> tuple[str | None, tuple[int, dict[str, Any]] | None]:
        if not self._failures:
            return None, None
        kind, pattern, canned = self._failures[0]
        if pattern is not None and not fnmatch.fnmatchcase(path, pattern):
            return None, None
        self._failures.popleft()
        return kind, canned

    def pay_pix(self, intent_id: str, *, amount: int | None = None) -> dict[str, Any]:
        """The payer pays the QR code (or the boleto, cleared): the PaymentIntent succeeds
        (``amount`` to underpay)."""
        with self._lock:
            intent = self._intent_for_helper(intent_id)
            if intent["status"] != "requires_action":
                raise ValueError(f"{intent_id} is {intent['status']}: no Pix code to pay")
            method = "boleto" if "boleto" in intent["payment_method_types"] else "pix"
            charge = self._charge(intent, method)
            received = intent["amount"] if amount is None else amount
            charge.update(amount_captured=received)
            intent.update(
                status="succeeded",
                amount_received=received,
                next_action=None,
                latest_charge=charge["id"],
            )
            self._event(None, "charge.succeeded", charge)
            self._event(None, "payment_intent.succeeded", intent)
            return copy.deepcopy(intent)

    def set_processing(self, intent_id: str) -> dict[str, Any]:
        with self._lock:
            intent = self._intent_for_helper(intent_id)
            if intent["status"] not in ("requires_action", "requires_confirmation"):
                raise ValueError(f"{intent_id} is {intent['status']}: cannot start processing")
            intent.update(status="processing", next_action=None)
            self._event(None, "payment_intent.processing", intent)
            return copy.deepcopy(intent)

    def fail(
        self,
        intent_id: str,
        *,
        code: str = "payment_intent_payment_attempt_failed",
        message: str = "The payment failed.",
    ) -> dict[str, Any]:
        """The attempt fails: back to ``requires_payment_method`` with ``last_payment_error``."""
        with self._lock:
            intent = self._intent_for_helper(intent_id)
            if intent["status"] not in ("requires_action", "processing", "requires_confirmation"):
                raise ValueError(f"{intent_id} is {intent['status']}: nothing to fail")
            intent.update(
                status="requires_payment_method",
                next_action=None,
                last_payment_error={
                    "type": "invalid_request_error",
                    "code": code,
                    "message": message,
                },
            )
            self._event(None, "payment_intent.payment_failed", intent)
            return copy.deepcopy(intent)

    def expire_pix(self, intent_id: str, *, outcome: str = "failed") -> dict[str, Any]:
        """The Pix code expires unpaid.

        Which event Stripe sends is not documented for Pix (notes §1.1): ``failed`` (default)
        gives ``payment_intent.payment_failed`` with ``payment_intent_payment_attempt_expired``,
        ``canceled`` gives ``payment_intent.canceled``.
        """
        with self._lock:
            intent = self._intent_for_helper(intent_id)
            if intent["status"] != "requires_action":
                raise ValueError(f"{intent_id} is {intent['status']}: no open Pix code")
            if outcome == "canceled":
                intent.update(
                    status="canceled",
                    next_action=None,
                    canceled_at=self._now(),
                    cancellation_reason="automatic",
                )
                self._event(None, "payment_intent.canceled", intent)
                return copy.deepcopy(intent)
        return self.fail(
            intent_id,
            code="payment_intent_payment_attempt_expired",
            message="The payment attempt expired.",
        )

    def pay_boleto(self, intent_id: str, *, amount: int | None = None) -> dict[str, Any]:
        """The boleto was paid at a bank and cleared: ``payment_intent.succeeded``."""
        if "boleto" not in self._intent_for_helper(intent_id)["payment_method_types"]:
            raise ValueError(f"{intent_id} is not a boleto PaymentIntent")
        return self.pay_pix(intent_id, amount=amount)

    def expire_boleto(self, intent_id: str) -> dict[str, Any]:
        """The voucher expired unpaid: ``payment_intent.payment_failed``, back to
        ``requires_payment_method`` (Stripe's boleto guide: the payment failed/expired)."""
        if "boleto" not in self._intent_for_helper(intent_id)["payment_method_types"]:
            raise ValueError(f"{intent_id} is not a boleto PaymentIntent")
        return self.fail(
            intent_id,
            code="payment_intent_payment_attempt_expired",
            message="The boleto expired before it was paid.",
        )

    def complete_checkout(
        self, session_id: str, *, paid: bool = True, method: str = "card"
    ) -> dict[str, Any]:
        """The payer finishes the hosted page; ``paid=False``: a delayed method (processing)."""
        with self._lock:
            session = self._session_for_helper(session_id)
            if session["status"] != "open":
                raise ValueError(f"{session_id} is {session['status']}: cannot complete")
            data = self._session_pi_data[session_id]
            intent = self._new_intent(
                amount=session["amount_total"],
                types=[method],
                description=data["description"],
                metadata=dict(data["metadata"]),
                options={},
            )
            intent["payment_method"] = self._id("pm")
            if paid:
                charge = self._charge(intent, method)
                intent.update(
                    status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"]
                )
                self._event(None, "charge.succeeded", charge)
                self._event(None, "payment_intent.succeeded", intent)
            else:
                intent["status"] = "processing"
                self._event(None, "payment_intent.processing", intent)
            session.update(
                status="complete",
                payment_status="paid" if paid else "unpaid",
                payment_intent=intent["id"],
                url=None,
            )
            self._event(None, "checkout.session.completed", session)
            return copy.deepcopy(session)

    def async_payment(self, session_id: str, *, succeeded: bool = True) -> dict[str, Any]:
        """A completed, unpaid session settles later (``async_payment_succeeded|failed``)."""
        with self._lock:
            session = self._session_for_helper(session_id)
            if session["status"] != "complete" or session["payment_status"] != "unpaid":
                raise ValueError(f"{session_id} is not complete and unpaid")
            intent = self.payment_intents[session["payment_intent"]]
            if succeeded:
                charge = self._charge(intent, intent["payment_method_types"][0])
                intent.update(
                    status="succeeded", amount_received=intent["amount"], latest_charge=charge["id"]
                )
                session["payment_status"] = "paid"
                self._event(None, "charge.succeeded", charge)
                self._event(None, "payment_intent.succeeded", intent)
                self._event(None, "checkout.session.async_payment_succeeded", session)
            else:
                intent.update(
                    status="requires_payment_method",
                    last_payment_error={
                        "type": "invalid_request_error",
                        "code": "payment_intent_payment_attempt_failed",
                        "message": "The payment failed.",
                    },
                )
                self._event(None, "payment_intent.payment_failed", intent)
                self._event(None, "checkout.session.async_payment_failed", session)
            return copy.deepcopy(session)

    def expire_checkout(self, session_id: str) -> dict[str, Any]:
        """The session reaches its ``expires_at`` unpaid."""
        with self._lock:
            session = self._session_for_helper(session_id)
            if session["status"] != "open":
                raise ValueError(f"{session_id} is {session['status']}: cannot expire")
            session.update(status="expired", url=None)
            self._event(None, "checkout.session.expired", session)
            return copy.deepcopy(session)

    def events(
        self, types: str | Iterable[str] | None = None, *, delivered: bool | None = None
    ) -> list[dict[str, Any]]:
        """Recorded events, oldest first (copies); ``types`` may use ``*`` wildcards."""
        wanted = [types] if isinstance(types, str) else list(types or [])
        with self._lock:
            return [
                copy.deepcopy(e)
                for e in self._events
                if (not wanted or any(fnmatch.fnmatchcase(e["type"], t) for t in wanted))
                and (delivered is None or self._delivered[e["id"]] == delivered)
            ]

    def undeliver(self, event_id: str) -> None:
        """Stripe could not deliver this event: ``delivery_success=false`` lists it."""
        self._set_delivered(event_id, False)

    def mark_delivered(self, event_id: str) -> None:
        self._set_delivered(event_id, True)

    def signed(
        self, event: Mapping[str, Any] | str, secret: str, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """The raw body and headers of a webhook delivery of ``event`` (or its id)."""
        if isinstance(event, str):
            event = next(e for e in self.events() if e["id"] == event)
        payload = json.dumps(event)
        header = stripe.WebhookSignature.generate_signature_header(
            payload, secret, timestamp=self._now() if timestamp is None else timestamp
        )
        return payload.encode("utf-8"), {
            "Stripe-Signature": header,
            "Content-Type": "application/json",
        }

    def _set_delivered(self, event_id: str, value: bool) -> None:
        with self._lock:
            if event_id not in self._delivered:
                raise KeyError(event_id)
            self._delivered[event_id] = value

    def _intent_for_helper(self, intent_id: str) -> dict[str, Any]:
        if intent_id not in self.payment_intents:
            raise KeyError(intent_id)
        return self.payment_intents[intent_id]

    def _session_for_helper(self, session_id: str) -> dict[str, Any]:
        if session_id not in self.checkout_sessions:
            raise KeyError(session_id)
        return self.checkout_sessions[session_id]
