"""Loading and publishing negotiation policy versions.

The domain's ``NegotiationPolicy`` is stored as JSON (``portal.domain.codec``) in
``negotiation_policies``; its ``policy_id`` is the creditor id and its ``version`` the row's.
Publishing appends the next version; nothing is ever updated.
"""

from __future__ import annotations

import functools
import json
from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from portal.core import DbSession
from portal.core.audit import record_event
from portal.core.context import Actor
from portal.domain.codec import decode, to_primitive
from portal.domain.policy import NegotiationPolicy
from portal.models import Creditor, PolicyVersion


class NoPolicy(LookupError):
    """The creditor has not published a negotiation policy yet."""


def policy_terms(policy: NegotiationPolicy) -> dict[str, Any]:
    """The JSON terms of a policy, without the id and version (they belong to the row)."""
    terms = to_primitive(policy)
    assert isinstance(terms, dict)  # noqa: S101 - to_primitive of a dataclass is a dict
    terms.pop("policy_id")
    terms.pop("version")
    return terms


def policy_of(row: PolicyVersion) -> NegotiationPolicy:
    return policy_from_terms(row.creditor_id, row.version, json.dumps(row.terms, sort_keys=True))


@functools.lru_cache(maxsize=256)
def policy_from_terms(creditor_id: int, version: int, terms_json: str) -> NegotiationPolicy:
    """Decode a stored version, once per process: versions are append-only and the domain's
    policy is frozen, so the decoded object is shared. Keyed by the terms themselves (not the
    row id) so that a key can never name other terms."""
    return decode(
        NegotiationPolicy,
        {**json.loads(terms_json), "policy_id": str(creditor_id), "version": version},
    )


def current_version(session: DbSession, creditor_id: int) -> PolicyVersion:
    row = session.scalar(
        sa.select(PolicyVersion)
        .where(PolicyVersion.creditor_id == creditor_id)
        .order_by(PolicyVersion.version.desc())
        .limit(1)
    )
    if row is None:
        raise NoPolicy(creditor_id)
    return row


def current_policy(session: DbSession, creditor_id: int) -> NegotiationPolicy:
    return policy_of(current_version(session, creditor_id))


def policy_version(session: DbSession, creditor_id: int, version: int) -> NegotiationPolicy:
    row = session.scalar(
        sa.select(PolicyVersion).where(
            PolicyVersion.creditor_id == creditor_id, PolicyVersion.version == version
        )
    )
    if row is None:
        raise NoPolicy(creditor_id)
    return policy_of(row)


def publish_policy(
    session: DbSession,
    creditor: Creditor,
    policy: NegotiationPolicy,
    *,
    actor: Actor,
    note: str | None = None,
) -> PolicyVersion:
    """Append the next version of the creditor's policy (validated by the domain).

    Two concurrent publishers race on the unique (creditor, version): one of them fails
    with an IntegrityError and can retry; no version is ever overwritten.
    """
    latest = session.scalar(
        sa.select(sa.func.max(PolicyVersion.version)).where(
            PolicyVersion.creditor_id == creditor.id
        )
    )
    version = (latest or 0) + 1
    checked = replace(policy, policy_id=str(creditor.id), version=version)  # re-validates
    row = PolicyVersion(
        creditor_id=creditor.id,
        version=version,
        terms=policy_terms(checked),
        note=note,
        created_by_type=actor.type.value,
        created_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    record_event(
        session,
        actor,
        "policy.published",
        subject=("policy", row.id),
        creditor_id=creditor.id,
        details={"version": version},
    )
    return row
