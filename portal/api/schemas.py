"""Request and response bodies of /api/v1 (pydantic; the OpenAPI document comes from these).

Requests forbid unknown fields (a mass-assignment allowlist, requirements.md E7). Money is always
integer centavos (``*_cents``); dates ISO 8601; no full CPF ever leaves in a response.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Reference = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
]
Document = Annotated[
    str,
    StringConstraints(min_length=11, max_length=18, pattern=r"^[0-9./-]+$"),
]
EventType = Literal[
    "agreement.accepted",
    "agreement.completed",
    "agreement.broken",
    "agreement.lapsed",
    "agreement.cancelled",
    "payment.succeeded",
    "payment.refunded",
    "item.disputed",
    "data_request.created",
    "data_request.completed",
    "item.dispute_resolved",
    "item.bureau_removed",
    "reminder.sent",
    "reminder.failed",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- Debtors -------------------------------------------------------------------------------


class DebtorIn(Strict):
    """Create or update your company's relationship with a person, by CPF/CNPJ (digits, with
    or without punctuation). What you send is yours: never shown to another company, never
    changed by what another company sends."""

    document: Document
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        None, description="Brazilian number with area code, e.g. (11) 98765-4321"
    )
    birth_date: date | None = None


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
    external_reference: Reference
    debtor_document: Document
    description: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    amount_cents: int = Field(gt=0, le=1_000_000_000)
    due_date: date
    bureau_reported: bool | None = Field(
        None,
        description="true when you reported this debt to a credit bureau (SPC, Serasa…): once "
        "paid, the debtor follows its removal (5 business days, Súmula 548 STJ); omitted "
        "keeps what we have",
    )


class ItemBatchIn(Strict):
    items: list[ItemIn] = Field(min_length=1, max_length=1000)


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
    message: str


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
    days: int = Field(7, ge=1, le=30, description="Validity in days (at most 30)")


class AccessLinkOut(BaseModel):
    id: int
    url: str = Field(description="Shown once: we keep only a hash of its token")
    channel: str
    expires_at: datetime
    message_text: str = Field(description="A ready pt-BR message carrying the link")


# --- Agreements and payments -------------------------------------------------------------


class ListQuery(Strict):
    updated_since: datetime | None = Field(None, description="ISO 8601 with time zone")
    cursor: Annotated[str, StringConstraints(max_length=200)] | None = None
    limit: int = Field(50, ge=1, le=200)


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
    method: Literal["pix", "card"]
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


class WebhookEndpointIn(Strict):
    url: Annotated[str, StringConstraints(min_length=8, max_length=500)]
    description: Annotated[str, StringConstraints(max_length=200)] = ""
    event_types: list[EventType] = Field(
        default_factory=list, description="Empty: every event type"
    )


class WebhookEndpointPatch(Strict):
    url: Annotated[str, StringConstraints(min_length=8, max_length=500)] | None = None
    description: Annotated[str, StringConstraints(max_length=200)] | None = None
    event_types: list[EventType] | None = None
    enabled: bool | None = None


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
