"""Access context: access links (reminder and magic), the identity check, one-time codes and
bulk links for a segment."""

from portal.services.access.bulk_links import (
    MAX_JOB_SIZE,
    BulkJobRefused,
    create_bulk_job,
    export_csv,
    export_open,
    issue_batch,
    job_in_scope,
    purge_expired_exports,
)
from portal.services.access.codes import (
    CodeUnavailable,
    available_channels,
    masked_destination,
    send_code,
    verify_code,
)
from portal.services.access.link_messages import (
    link_message,
)
from portal.services.access.links import (
    check_identity,
    consume_magic_link,
    find_debtors,
    find_link,
    identifier_key,
    identity_matches,
    issue_reminder_link,
    link_event,
    queue_magic_link_request,
    request_magic_link,
    revoke_link,
    set_access_blocked,
    usable,
)

__all__ = [
    "MAX_JOB_SIZE",
    "BulkJobRefused",
    "CodeUnavailable",
    "available_channels",
    "check_identity",
    "consume_magic_link",
    "create_bulk_job",
    "export_csv",
    "export_open",
    "find_debtors",
    "find_link",
    "identifier_key",
    "identity_matches",
    "issue_batch",
    "issue_reminder_link",
    "job_in_scope",
    "link_event",
    "link_message",
    "masked_destination",
    "purge_expired_exports",
    "queue_magic_link_request",
    "request_magic_link",
    "revoke_link",
    "send_code",
    "set_access_blocked",
    "usable",
    "verify_code",
]
