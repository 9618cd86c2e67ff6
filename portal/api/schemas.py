"""Request and response bodies of /api/v1 (pydantic; the OpenAPI document comes from these).

Requests forbid unknown fields (a mass-assignment allowlist, requirements.md E7). Money is always
integer centavos (``*_cents``); dates ISO 8601; no full CPF ever leaves in a response.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    StrictBool,
    StringConstraints,
)

from portal.api import rules
from portal.api.types import (
    Document,
    Email,
    EventType,
    IsoDate,
    JsonInt,
    Name,
    Phone,
    Reference,
    Strict,
    Text,
    date_time_text,
)

# --- Debtors -------------------------------------------------------------------------------


class DebtorIn(Strict):
    """Create or update your company's relationship with a person, by CPF/CNPJ (digits, with
    or without punctuation). What you send is yours: never shown to another company, never
    changed by what another company sends."""

    document: Document
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    birth_date: IsoDate | None = Field(
        None,
        description="From 1900-01-01 up to today in Brasília",
        json_schema_extra={"x-not-after": "today"},
    )


class DebtorOut(BaseModel):
    """The person as your company knows them: your own data only."""

    id: int
    document_type: Literal["cpf", "cnpj"]
    document_masked: str = Field(description="e.g. ***.456.789-**; the full CPF is never sent")
    name: str
    has_email: bool
    has_phone: bool
    outcome: Literal["created", "updated", "unchanged"] | None = None


# --- Pending items ------------------------------------------------------------------------


class ItemIn(Strict):
    """The rules each item of a batch is held to, one by one: an item that breaks one is
    reported in ``results`` (``outcome: "error"``) and the others are still saved."""

    external_reference: Reference
    debtor_document: Document
    description: Name
    amount_cents: JsonInt = Field(gt=0, le=1_000_000_000)
    due_date: IsoDate = Field(description="From 1990-01-01 to the end of the fifth year ahead")
    bureau_reported: bool | None = Field(
        None,
        description="true when you reported this debt to a credit bureau (SPC, Serasa…): once "
        "paid, the debtor follows its removal (5 business days, Súmula 548 STJ); omitted "
        "keeps what we have",
    )


_PER_ITEM = " Checked item by item (see `ItemIn`): a bad value refuses only this item."
BatchText = Annotated[str, StringConstraints(pattern=rules.TEXT)]


class BatchItem(Strict):
    """One item as the batch takes it: the shape is checked for the whole request (a missing
    or unknown field, a wrong JSON type or text that cannot be stored refuses the batch);
    the values are checked one by one, by the rules of ``ItemIn``."""

    external_reference: BatchText = Field(description="Pattern of `ItemIn`." + _PER_ITEM)
    debtor_document: BatchText = Field(description="CPF/CNPJ with valid check digits." + _PER_ITEM)
    description: BatchText = Field(description="1 to 200 visible characters." + _PER_ITEM)
    amount_cents: JsonInt = Field(
        ge=-(2**63 - 1), le=2**63 - 1, description="1 to 1,000,000,000." + _PER_ITEM
    )
    due_date: BatchText = Field(description="A real date, YYYY-MM-DD." + _PER_ITEM)
    bureau_reported: bool | None = Field(
        None, description="See `ItemIn`; omitted keeps what we have." + _PER_ITEM
    )


class ItemBatchIn(Strict):
    items: list[BatchItem] = Field(min_length=1, max_length=1000)


class BureauRemovalOut(BaseModel):
    """The removal from the credit bureaus of a paid item you reported."""

    paid_on: date
    deadline: date = Field(description="5 business days after payment (Súmula 548 STJ)")
    state: Literal["waiting", "overdue", "done", "done_late"]
    removed_on: date | None = Field(description="the day you confirmed the removal")
    days_late: int


class BureauRemovalIn(Strict):
    removed_on: date | None = Field(
        None, description="the day the record was removed; today (Brasília) when omitted"
    )


class ItemOut(BaseModel):
    id: int
    external_reference: str
    debtor_id: int
    description: str
    amount_cents: int
    due_date: date
    status: Literal["open", "in_agreement", "paid", "cancelled", "disputed"]
    bureau_reported: bool
    paid_at: datetime | None
    bureau_removal: BureauRemovalOut | None = Field(
        description="only for a paid item reported to a credit bureau"
    )
    created_at: datetime
    updated_at: datetime


class FieldError(BaseModel):
    field: str
    code: str
    message: str = Field(description="In English, for developers")
    message_pt: str = Field(description="In Brazilian Portuguese, to show your staff")


class ItemResult(BaseModel):
    external_reference: str
    outcome: Literal["created", "updated", "unchanged", "error"]
    id: int | None = None
    errors: list[FieldError] = []


class ItemBatchOut(BaseModel):
    created: int
    updated: int
    unchanged: int
    errors: int
    results: list[ItemResult]


class ItemStatusIn(Strict):
    status: Literal["paid", "cancelled"]


class ItemList(BaseModel):
    data: list[ItemOut]
    next_cursor: str | None


# --- Access links ---------------------------------------------------------------------------


class AccessLinkIn(Strict):
    debtor_document: Document
    channel: Literal["email", "sms", "whatsapp"] = "sms"
    days: JsonInt = Field(7, ge=1, le=30, description="Validity in days (at most 30)")


class AccessLinkOut(BaseModel):
    id: int
    url: str = Field(description="Shown once: we keep only a hash of its token")
    channel: str
    expires_at: datetime
    message_text: str = Field(description="A ready pt-BR message carrying the link")


# --- Agreements and payments -------------------------------------------------------------


class ListQuery(Strict):
    updated_since: Annotated[str, BeforeValidator(date_time_text)] | None = Field(
        None,
        description="RFC 3339 date-time with a time zone, e.g. 2026-11-25T00:00:00Z",
        json_schema_extra={"format": "date-time", "pattern": rules.DATE_TIME},
    )
    cursor: str | None = Field(
        None,
        description="`next_cursor` of the previous page, as it came (opaque: never build one; "
        "anything else answers 400 `invalid_cursor`)",
        json_schema_extra={"pattern": rules.CURSOR},
    )
    limit: int = Field(50, ge=1, le=200)

    def since(self) -> datetime | None:
        return rules.parse_date_time(self.updated_since) if self.updated_since else None


class InstallmentOut(BaseModel):
    number: int = Field(description="0 is the down payment (or the single payment)")
    due_date: date
    amount_cents: int
    paid_cents: int
    discount_cents: int = Field(description="Interest removed when it was paid early")
    status: Literal["pending", "paid", "cancelled"]
    paid_at: datetime | None


class AgreementOut(BaseModel):
    id: int
    debtor_id: int
    state: str
    total_cents: int
    down_payment_cents: int
    discount_cents: int
    payment_count: int
    items: list[str] = Field(description="external references of the items covered")
    installments: list[InstallmentOut]
    offer_digest: str | None
    created_at: datetime
    updated_at: datetime


class AgreementList(BaseModel):
    data: list[AgreementOut]
    next_cursor: str | None


class PaymentOut(BaseModel):
    id: int
    agreement_id: int
    installment_number: int = Field(description="The first installment it pays")
    kind: Literal["installment", "prepayment", "settlement"] = Field(
        description="One installment, the last ones paid early, or all that were left"
    )
    installment_numbers: list[int] = Field(description="Every installment it pays")
    method: Literal["pix", "card", "boleto"]
    status: str
    amount_cents: int
    discount_cents: int = Field(description="Interest removed by paying early")
    applied_cents: int
    refunded_cents: int
    succeeded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class PaymentList(BaseModel):
    data: list[PaymentOut]
    next_cursor: str | None


# --- Webhook endpoints ---------------------------------------------------------------------


WebhookUrl = Annotated[
    str,
    StringConstraints(min_length=8, max_length=500, pattern=rules.WEBHOOK_URL),
    Field(
        description="Public https URL: no credentials nor fragment; the host must resolve, "
        "only to public addresses (refused with `url_unresolvable_host` or "
        "`url_private_address`; checked again before every delivery)",
        json_schema_extra={"format": "uri"},
    ),
]


class WebhookEndpointIn(Strict):
    url: WebhookUrl
    description: Text = ""
    event_types: list[EventType] = Field(
        default_factory=list, description="Empty: every event type"
    )


class WebhookEndpointPatch(Strict):
    url: WebhookUrl | None = None
    description: Text | None = None
    event_types: list[EventType] | None = None
    enabled: StrictBool | None = None


class WebhookEndpointOut(BaseModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime
    secret: str | None = Field(
        None, description="Only in the response that creates the endpoint or rotates it"
    )


class WebhookEndpointList(BaseModel):
    data: list[WebhookEndpointOut]
