"""Companies as this service knows them: who approves their hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from notifications.emails.models import normalise_address, single_line


@dataclass(frozen=True)
class Approver:
    email: str
    name: str


def unique_approvers(approvers: Iterable[tuple[str, str]]) -> tuple[Approver, ...]:
    """Normalised (email, name) pairs, each address once (first name wins), blanks dropped."""
    seen: dict[str, Approver] = {}
    for email, name in approvers:
        address = normalise_address(email)
        if address and address not in seen:
            seen[address] = Approver(email=address, name=single_line(name))
    return tuple(seen.values())
