"""Reference data and identifier rules shared by the placement domains: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stdnum import ean

from vikar_shared.errors import invalid
from vikar_shared.types.identifiers import IdentifierError, gln_number


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
    """GS1 modulus 10 of a 12-digit body (``stdnum.ean``)."""
    return int(ean.calc_check_digit(body))


def parse_gln(raw: str, field: str = "ean") -> str:
    """An EAN/GLN location number (what public bodies receive e-invoices on): 13 digits, GS1 check digit
    (``stdnum.ean``); spaces ignored, full-width digits normalised. Raises ``DomainError`` ``ean-format``
    or ``ean-check-digit`` on ``field``."""
    try:
        return gln_number(raw)
    except IdentifierError as error:
        raise invalid(field, error.rule, error.message) from None
