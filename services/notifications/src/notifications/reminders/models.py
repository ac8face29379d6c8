"""The reminder ladder of a company (issue 14): when pending hours are reminded, followed up, escalated and,
where the company opted in, deemed approved. All counts are working days after submission
(:mod:`vikar_shared.calendar`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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


class Step(StrEnum):
    """A rung of the ladder an entry reaches once per submission, in rising order."""

    REMINDER = "reminder"
    FOLLOW_UP = "follow_up"
    ESCALATION = "escalation"
    DEEMED_APPROVAL = "deemed_approval"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {step: n for n, step in enumerate(Step)}


MAIL_STEPS = (Step.REMINDER, Step.FOLLOW_UP, Step.ESCALATION)


def steps_reached(ladder: Ladder, age: int) -> list[Step]:
    """The steps an entry pending ``age`` working days has reached under ``ladder``, lowest first."""
    reached = [
        step
        for step, days in (
            (Step.REMINDER, ladder.reminder),
            (Step.FOLLOW_UP, ladder.follow_up),
            (Step.ESCALATION, ladder.escalation),
        )
        if age >= days
    ]
    if ladder.deemed_approval is not None and age >= ladder.deemed_approval:
        reached.append(Step.DEEMED_APPROVAL)
    return reached


@dataclass(frozen=True)
class LadderSettings:
    """A company's ladder as the settings API shows it: ``custom`` False when the service's defaults apply;
    ``updated_by``/``updated_at`` who changed it last (None with the defaults)."""

    company_id: uuid.UUID
    ladder: Ladder
    custom: bool
    updated_by: str | None
    updated_at: datetime | None
