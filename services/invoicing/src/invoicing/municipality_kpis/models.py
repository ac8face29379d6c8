"""The shape of a municipality's progress figures (issue 12). Pure: no I/O.

Units: hours are integer **minutes**; shares are counts (``in_work`` of ``measured``) plus
``share_permille`` (rounded half up, the one stated rounding); months are ``YYYY-MM`` strings; dates are
ISO dates in the agency's time zone (Europe/Copenhagen).

"As of" is valid time: a figure counts the facts *dated* on or before ``as_of`` (a work date, a
placement's start or end date, a first day) as they are recorded today, so a correction approved later
of an hour worked before ``as_of`` is counted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

# The end reasons placement publishes (placement.placements.models.EndReason), in the order pages list them.
END_REASONS: tuple[str, ...] = (
    "hired_directly",
    "other_job",
    "more_hours_elsewhere",
    "education",
    "moved_to_other_placement",
    "ended_by_company",
    "dropped_out",
)
# A placement ended for one of these left the citizen in ordinary work: they count as "in work" afterwards.
LASTING_WORK_REASONS: frozenset[str] = frozenset({"hired_directly", "other_job", "more_hours_elsewhere"})
# Days after the first day at which retention is measured.
RETENTION_DAYS: tuple[int, ...] = (30, 90)
# At most this many months are listed (the newest ones up to as_of); the cumulative count starts at the beginning.
MAX_MONTHS = 60


@dataclass(frozen=True)
class KpiMonth:
    """One calendar month up to ``as_of`` (the month of ``as_of`` counts up to that day).

    ``unique_citizens_cumulative``: distinct citizens with co-financed hours worked from the agreement's start
    through the month's end (or ``as_of``); ``new_citizens``: of those, first reached this month;
    ``co_financed_minutes``: co-financed minutes worked in the month (net of approved corrections);
    ``placements_started`` / ``placements_ended``: placements of this municipality's referrals whose start /
    end date lies in the month; ``end_reasons``: reason → count of the month's ended placements."""

    month: str
    unique_citizens_cumulative: int
    new_citizens: int
    co_financed_minutes: int
    placements_started: int
    placements_ended: int
    end_reasons: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Retention:
    """Of the ``measured`` citizens whose first day lies at least ``days`` days before ``as_of``, how many were
    in work on day first day + ``days``: in an active placement that day, or after a placement ended for a
    reason in :data:`LASTING_WORK_REASONS`."""

    days: int
    measured: int
    in_work: int

    @property
    def share_permille(self) -> int | None:
        """``in_work / measured`` in per mille, rounded half up; None when nobody is measured yet."""
        if self.measured == 0:
            return None
        return (self.in_work * 2000 + self.measured) // (2 * self.measured)


@dataclass(frozen=True)
class MunicipalityKpis:
    """The progress of one municipality's agreement as of ``as_of``.

    ``target_unique_citizens``: the target of the terms in force on ``as_of`` (None: none set);
    ``unique_citizens``: distinct citizens with co-financed hours from the start through ``as_of``;
    ``co_financed_minutes``: all co-financed minutes through ``as_of``; ``months``: oldest first, at most
    :data:`MAX_MONTHS`; ``end_reasons``: reason → count over every placement ended through ``as_of``."""

    municipality_id: UUID
    municipality_name: str
    as_of: date
    target_unique_citizens: int | None
    unique_citizens: int
    co_financed_minutes: int
    placements_started: int
    placements_ended: int
    months: list[KpiMonth]
    end_reasons: dict[str, int]
    retention: list[Retention]
