"""Access context: who may see what. Access links (reminder and magic), the identity check,
one-time codes, the relationships a session has proved, step-up codes for acts with legal or
money effect, and bulk links for a segment."""

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
    mask_contact,
    masked_destination,
    send_code,
    verify_code,
)
from portal.services.access.companies import (
    CompanyChallenge,
    challenge_company,
    change_contact,
    prove_company,
)
from portal.services.access.link_messages import (
    link_message,
)
from portal.services.access.links import (
    check_identity,
    consume_magic_link,
    find_link,
    identity_matches,
    issue_reminder_link,
    link_birth_date,
    link_event,
    revoke_link,
    set_access_blocked,
    usable,
)
from portal.services.access.magic import (
    find_debtors,
    identifier_key,
    magic_link_targets,
    request_magic_link,
)
from portal.services.access.proofs import (
    contact_of,
    holding_contact,
    link_relationships,
    relationship,
    relationships,
    staff_scoped,
)
from portal.services.access.step_up import (
    Act,
    StepUp,
    act_label,
    confirm_step_up,
    send_step_up_code,
    step_up_destinations,
)

__all__ = [
    "MAX_JOB_SIZE",
    "Act",
    "BulkJobRefused",
    "CodeUnavailable",
    "CompanyChallenge",
    "StepUp",
    "act_label",
    "available_channels",
    "challenge_company",
    "change_contact",
    "check_identity",
    "confirm_step_up",
    "consume_magic_link",
    "contact_of",
    "create_bulk_job",
    "export_csv",
    "export_open",
    "find_debtors",
    "find_link",
    "holding_contact",
    "identifier_key",
    "identity_matches",
    "issue_batch",
    "issue_reminder_link",
    "job_in_scope",
    "link_birth_date",
    "link_event",
    "link_message",
    "link_relationships",
    "magic_link_targets",
    "mask_contact",
    "masked_destination",
    "prove_company",
    "purge_expired_exports",
    "relationship",
    "relationships",
    "request_magic_link",
    "revoke_link",
    "send_code",
    "send_step_up_code",
    "set_access_blocked",
    "staff_scoped",
    "step_up_destinations",
    "usable",
    "verify_code",
]
