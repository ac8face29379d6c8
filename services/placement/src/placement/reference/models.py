"""Reference data and identifier rules shared by the placement domains: pure, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from vikar_shared.errors import invalid

_GLN = re.compile(r"^\d{13}$")


@dataclass(frozen=True)
class TargetGroup:
    """A målgruppe. ``valid_to`` is the last day the code may be used on a referral (inclusive)."""

    code: str
    name: str
    valid_from: date
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def check_target_group(group: TargetGroup | None, code: str, on: date, field: str = "target_group_code") -> None:
    if group is None:
        raise invalid(field, "target-group-exists", f"No target group with code {code!r}")
    if not group.valid_on(on):
        raise invalid(
            field,
            "target-group-valid-on-date",
            f"Target group {code!r} is valid from {group.valid_from} to {group.valid_to or 'today'}, not on {on}",
        )


def gs1_check_digit(body: str) -> int:
    """GS1 modulus 10: weights 3, 1, 3, ... from the rightmost digit of the body."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def parse_gln(raw: str, field: str = "ean") -> str:
    """An EAN/GLN location number (what public bodies receive e-invoices on): 13 digits, GS1 check digit."""
    gln = raw.replace(" ", "")
    if not _GLN.match(gln):
        raise invalid(field, "ean-format", "EAN/GLN must be 13 digits")
    if gs1_check_digit(gln[:12]) != int(gln[12]):
        raise invalid(field, "ean-check-digit", "EAN/GLN fails the GS1 modulus-10 check digit")
    return gln
