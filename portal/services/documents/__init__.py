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
from portal.services.documents.render import (
    RenderJob,
    count_failed_render,
    prepare_render,
    render_html,
    render_pdf,
    store_pdf,
)

__all__ = [
    "MAX_ATTEMPTS",
    "RenderFailed",
    "RenderJob",
    "VerificationView",
    "count_failed_render",
    "document_for_download",
    "document_label",
    "download_name",
    "format_code",
    "kind_label",
    "new_verification_code",
    "normalise_code",
    "prepare_render",
    "queue_document",
    "render_html",
    "render_pdf",
    "requeue_stale",
    "state_label",
    "store_pdf",
    "verification_url",
    "verify",
]
