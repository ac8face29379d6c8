"""Domain error categories. One place (``http.problems``) maps a category to an HTTP status."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Category(StrEnum):
    VALIDATION = "validation"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not-found"
    CONFLICT = "conflict"
    EXTERNAL = "external-failure"


@dataclass(frozen=True)
class FieldViolation:
    field: str
    rule: str
    message: str


@dataclass
class DomainError(Exception):
    """An expected failure of a use case; ``code`` is stable and documented."""

    category: Category
    code: str
    detail: str
    violations: list[FieldViolation] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass
class DuplicateError(DomainError):
    """409: the request would create what already exists; the problem's ``existing`` member names it
    (``{"type": "company", "id": "…"}``) so the caller can use that object instead."""

    existing_type: str = ""
    existing_id: str = ""


def duplicate(code: str, detail: str, existing_type: str, existing_id: object) -> DuplicateError:
    return DuplicateError(Category.CONFLICT, code, detail, existing_type=existing_type, existing_id=str(existing_id))


def invalid(field_name: str, rule: str, message: str) -> DomainError:
    return DomainError(Category.VALIDATION, rule, message, [FieldViolation(field_name, rule, message)])


def not_found(what: str, key: str = "id") -> DomainError:
    """404 ``<what>-not-found``, both for "does not exist" and "exists but is not yours" (the caller learns
    nothing). ``key``: what the caller named it by (``id``, or ``address`` for an approver)."""
    return DomainError(Category.NOT_FOUND, f"{what}-not-found", f"No {what} with that {key} is visible to you")


def conflict(code: str, detail: str) -> DomainError:
    return DomainError(Category.CONFLICT, code, detail)


def forbidden(detail: str = "Your role may not do this") -> DomainError:
    return DomainError(Category.FORBIDDEN, "forbidden", detail)
