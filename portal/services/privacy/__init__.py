"""Privacy context (LGPD arts. 18 and 19): what we hold about a person per company (JSON and
PDF), correction requests answered by staff within 15 days, and communication preferences
per channel and company (opt-outs the régua honours from its next run)."""

from portal.services.privacy.export import FORMATS, export_data, record_export
from portal.services.privacy.labels import FIELD_LABELS
from portal.services.privacy.pdf import render_export_pdf
from portal.services.privacy.preferences import set_preferences
from portal.services.privacy.requests import (
    QueueRow,
    RequestError,
    complete_request,
    debtor_requests,
    due_on,
    is_overdue,
    request_correction,
    request_in_scope,
    staff_queue,
)

__all__ = [
    "FIELD_LABELS",
    "FORMATS",
    "QueueRow",
    "RequestError",
    "complete_request",
    "debtor_requests",
    "due_on",
    "export_data",
    "is_overdue",
    "record_export",
    "render_export_pdf",
    "request_correction",
    "request_in_scope",
    "set_preferences",
    "staff_queue",
]
