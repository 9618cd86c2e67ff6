"""Policies context: each company's negotiation policy, versioned and append-only. Negotiation,
documents and the back-office read it; only the back-office publishes."""

from portal.services.policies.versions import (
    NoPolicy,
    current_policy,
    current_version,
    policy_from_terms,
    policy_of,
    policy_terms,
    policy_version,
    publish_policy,
)

__all__ = [
    "NoPolicy",
    "current_policy",
    "current_version",
    "policy_from_terms",
    "policy_of",
    "policy_terms",
    "policy_version",
    "publish_policy",
]
