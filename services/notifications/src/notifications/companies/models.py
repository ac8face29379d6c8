"""Companies as this service knows them: who approves their hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from notifications.emails.models import normalise_address, single_line


@dataclass(frozen=True)
class Approver:
    email: str
    name: str
    language: str = "da"


def unique_approvers(approvers: Iterable[tuple[str, str] | tuple[str, str, str | None]]) -> tuple[Approver, ...]:
    """Normalised (email, name[, language]) tuples, each address once (first name wins), blanks dropped;
    a language other than ``en`` is ``da``."""
    seen: dict[str, Approver] = {}
    for email, name, *language in approvers:
        address = normalise_address(email)
        if address and address not in seen:
            seen[address] = Approver(
                email=address, name=single_line(name), language="en" if language and language[0] == "en" else "da"
            )
    return tuple(seen.values())
