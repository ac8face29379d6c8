"""Companies as timesheet knows them: a name and who approves their hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vikar_shared.types.text import email_key


@dataclass(frozen=True)
class Approver:
    email: str
    name: str


def normalised_email(email: str) -> str:
    """The shared comparison form (``vikar_shared.types.text.email_key``): ASCII, lower-cased, punycode
    domain, so "ａｐｐｒ@example.com" and "appr@example.com" are one approver; never raises."""
    return email_key(email)


def unique_approvers(approvers: Iterable[tuple[str, str]]) -> list[Approver]:
    """Each address once, in the shared ASCII form (first name given wins); blank addresses are dropped."""
    seen: dict[str, Approver] = {}
    for email, name in approvers:
        address = normalised_email(email)
        if address and address not in seen:
            seen[address] = Approver(email=address, name=name.strip())
    return list(seen.values())
