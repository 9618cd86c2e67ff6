"""Documents context: terms, receipts and discharge letters as PDFs, queued in the caller's
unit of work, rendered by a task, verified by the code printed on them."""

from portal.services.documents.records import (
    MAX_ATTEMPTS,
    RenderFailed,
    VerificationView,
    document_for_download,
    document_label,
    download_name,
    format_code,
    kind_label,
    new_verification_code,
    normalise_code,
    queue_document,
    requeue_stale,
    state_label,
    verification_url,
    verify,
)
from portal.services.documents.render import render_document, render_html

__all__ = [
    "MAX_ATTEMPTS",
    "RenderFailed",
    "VerificationView",
    "document_for_download",
    "document_label",
    "download_name",
    "format_code",
    "kind_label",
    "new_verification_code",
    "normalise_code",
    "queue_document",
    "render_document",
    "render_html",
    "requeue_stale",
    "state_label",
    "verification_url",
    "verify",
]
