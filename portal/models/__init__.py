"""SQLAlchemy 2 typed models, one module per aggregate. Models never commit."""

from portal.models.access import (
    AccessLink,
    Channel,
    CodePurpose,
    LinkPurpose,
    OneTimeCode,
)
from portal.models.agreement import (
    Agreement,
    AgreementEvidence,
    AgreementItem,
    EvidenceTamperingError,
    Installment,
    InstallmentStatus,
    OfferSnapshot,
)
from portal.models.article import Article, ArticleStatus
from portal.models.audit import ActorType, AppendOnlyError, AuditEvent
from portal.models.base import Base, utcnow
from portal.models.bulk import BulkJob, BulkJobLink, BulkJobStatus, BulkLinkStatus
from portal.models.creditor import Creditor
from portal.models.debtor import CreditorDebtor, Debtor, normalise_email
from portal.models.dispute import DelayReasonRecord, ItemDispute
from portal.models.document import Document, DocumentKind, DocumentStatus
from portal.models.imports import ImportChunk, ImportJob, ImportOrigin, ImportStatus
from portal.models.integration import (
    ApiKey,
    DeliveryStatus,
    IdempotencyRecord,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.models.note import DebtorNote, ImmutableNoteError
from portal.models.payment import (
    EventSequence,
    OutboxEvent,
    Payment,
    PaymentCover,
    PaymentKind,
    ProviderEventRecord,
    SandboxCharge,
)
from portal.models.pending_item import ItemStatus, PendingItem
from portal.models.pix_automatico import PixRecurrence, RecurringCharge
from portal.models.policy import ImmutablePolicyError, PolicyVersion
from portal.models.privacy import (
    DataRequest,
    DataRequestField,
    DataRequestKind,
    DataRequestStatus,
)
from portal.models.regua import (
    ImmutableReguaError,
    MessageStatus,
    OptOutSource,
    ReguaStep,
    ReguaVersion,
    ReminderMessage,
    ReminderOptOut,
)
from portal.models.staff import StaffRole, StaffUser, staff_creditors
from portal.models.tasks import PendingTask

__all__ = [
    "AccessLink",
    "ActorType",
    "Agreement",
    "AgreementEvidence",
    "AgreementItem",
    "ApiKey",
    "AppendOnlyError",
    "Article",
    "ArticleStatus",
    "AuditEvent",
    "Base",
    "BulkJob",
    "BulkJobLink",
    "BulkJobStatus",
    "BulkLinkStatus",
    "Channel",
    "CodePurpose",
    "Creditor",
    "CreditorDebtor",
    "DataRequest",
    "DataRequestField",
    "DataRequestKind",
    "DataRequestStatus",
    "Debtor",
    "DebtorNote",
    "DelayReasonRecord",
    "DeliveryStatus",
    "Document",
    "DocumentKind",
    "DocumentStatus",
    "EventSequence",
    "EvidenceTamperingError",
    "IdempotencyRecord",
    "ImmutableNoteError",
    "ImmutablePolicyError",
    "ImmutableReguaError",
    "ImportChunk",
    "ImportJob",
    "ImportOrigin",
    "ImportStatus",
    "Installment",
    "InstallmentStatus",
    "ItemDispute",
    "ItemStatus",
    "LinkPurpose",
    "MessageStatus",
    "OfferSnapshot",
    "OneTimeCode",
    "OptOutSource",
    "OutboxEvent",
    "Payment",
    "PaymentCover",
    "PaymentKind",
    "PendingItem",
    "PendingTask",
    "PixRecurrence",
    "PolicyVersion",
    "ProviderEventRecord",
    "RecurringCharge",
    "ReguaStep",
    "ReguaVersion",
    "ReminderMessage",
    "ReminderOptOut",
    "SandboxCharge",
    "StaffRole",
    "StaffUser",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "normalise_email",
    "staff_creditors",
    "utcnow",
]
