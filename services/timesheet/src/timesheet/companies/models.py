"""Companies as timesheet knows them: a name and who approves their hours."""

from __future__ import annotations

from vikar_shared.identity.approvers import Approver, unique_approvers
from vikar_shared.types.text import email_key

__all__ = ["Approver", "normalised_email", "unique_approvers"]


def normalised_email(email: str) -> str:
    """The shared comparison form (``vikar_shared.types.text.email_key``): ASCII, lower-cased, punycode
    domain, so "ａｐｐｒ@example.com" and "appr@example.com" are one approver; never raises."""
    return email_key(email)
