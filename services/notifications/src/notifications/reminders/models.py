"""The reminder ladder of a company (issue 14): when pending hours are reminded, followed up, escalated and,
where the company opted in, deemed approved. All counts are working days after submission
(:mod:`vikar_shared.calendar`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ladder:
    """``reminder`` < ``follow_up`` < ``escalation`` (< ``deemed_approval`` when not None: opted in)."""

    reminder: int
    follow_up: int
    escalation: int
    deemed_approval: int | None = None

    @property
    def last_step(self) -> int:
        """The working days after which pending hours are past the ladder (the digest lists those)."""
        return self.deemed_approval if self.deemed_approval is not None else self.escalation
