"""Field rules shared by placement's use cases: reporting every broken rule at once, and the rule that no free
text leaving placement (on an event, on a statement or a Peppol document) holds a CPR number
(``shared/docs/domain.md`` rule 7). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from vikar_shared.errors import Category, DomainError, FieldViolation
from vikar_shared.types.identifiers import contains_cpr

T = TypeVar("T")

CPR_NOT_ALLOWED = "cpr-not-allowed"


def cpr_violations(texts: Iterable[tuple[str, str | None]]) -> list[FieldViolation]:
    """A ``cpr-not-allowed`` violation for each ``(field, text)`` whose text holds a CPR number
    (:func:`vikar_shared.types.identifiers.contains_cpr`); ``None`` texts are skipped. The message never
    repeats the number."""
    return [
        FieldViolation(
            field,
            CPR_NOT_ALLOWED,
            f"{field} holds a CPR number; it would leave the placement service (events, statements, e-invoices), "
            "which a CPR number never does: leave it out",
        )
        for field, text in texts
        if text is not None and contains_cpr(text)
    ]


def refuse_cpr(texts: Iterable[tuple[str, str | None]]) -> None:
    """Raises ``DomainError`` 422 ``cpr-not-allowed`` naming every field of ``texts`` that holds a CPR number."""
    raise_all(cpr_violations(texts))


def raise_all(violations: list[FieldViolation]) -> None:
    """Raises nothing for no violations; one violation as ``DomainError`` with its rule as the code; several as
    ``request-invalid`` (422) listing each field and rule in ``errors``."""
    if len(violations) == 1:
        only = violations[0]
        raise DomainError(Category.VALIDATION, only.rule, only.message, violations)
    if violations:
        raise DomainError(
            Category.VALIDATION,
            "request-invalid",
            f"{len(violations)} rules broken; nothing was saved",
            violations,
        )


def collect(violations: list[FieldViolation], check: Callable[[], T]) -> T | None:
    """``check()``'s value, or ``None`` with its ``DomainError``'s violations added to ``violations`` (so a
    caller reports every field's rule at once, not only the first)."""
    try:
        return check()
    except DomainError as error:
        violations.extend(error.violations)
        return None
