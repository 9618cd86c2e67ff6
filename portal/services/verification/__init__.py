"""Verification context: is this document code, Pix code or message really ours? Answers with
the company and the state of what we issued, never with anything about the person."""

from portal.services.verification.checker import (
    Finding,
    LinkFinding,
    PixFinding,
    check_text,
)

__all__ = ["Finding", "LinkFinding", "PixFinding", "check_text"]
