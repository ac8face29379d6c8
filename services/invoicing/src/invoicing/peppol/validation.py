"""Validation of UBL documents by the official artefacts: the UBL 2.1 XSD (lxml) and the CEN EN 16931 and
Peppol BIS 3 Schematron rules compiled to XSLT (saxonche).

(Issue 11 groundwork: the interface; the validator lands with the Peppol work.)"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed assertion: the rule id (e.g. ``BR-CO-15``, ``DK-R-005``), ``fatal`` or ``warning``, the text."""

    rule_id: str
    flag: str
    text: str
    location: str = ""


@dataclass(frozen=True, slots=True)
class ValidationReport:
    findings: tuple[Finding, ...]

    @property
    def fatal(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.flag == "fatal")

    @property
    def valid(self) -> bool:
        return not self.fatal


def validate(document: bytes) -> ValidationReport:
    """Every finding of the XSD and both Schematron layers on ``document``."""
    raise NotImplementedError("issue 11: the Peppol validator")
