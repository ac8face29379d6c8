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
# The activity type (placement.activities.models) of a citizen's first day at a company.
FIRST_DAY_ACTIVITY = "first_day_accompanied"
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

    ``agreement_from``: the first terms version's ``effective_from`` (the day the agreement began; None: no terms
    name the municipality); ``target_unique_citizens``: the target of the terms in force on ``as_of`` (None: none
    set, or ``as_of`` lies before ``agreement_from``);
    ``unique_citizens``: distinct citizens with co-financed hours from the start through ``as_of``;
    ``co_financed_minutes``: all co-financed minutes through ``as_of``; ``months``: oldest first, at most
    :data:`MAX_MONTHS`; ``end_reasons``: reason → count over every placement ended through ``as_of``."""

    municipality_id: UUID
    municipality_name: str
    as_of: date
    agreement_from: date | None
    target_unique_citizens: int | None
    unique_citizens: int
    co_financed_minutes: int
    placements_started: int
    placements_ended: int
    months: list[KpiMonth]
    end_reasons: dict[str, int]
    retention: list[Retention]


@dataclass(frozen=True)
class TermsFacts:
    """What the terms read model says of a municipality: the name on its latest version, the target of the
    version in force on ``as_of`` (None: none set, or no version in force yet) and its first effective day."""

    name: str
    target: int | None
    first_effective: date


@dataclass(frozen=True)
class CitizenMonthRow:
    """One month (its first day) of co-financing: net minutes worked in it and citizens first reached in it."""

    month: date
    minutes: int
    new_citizens: int


@dataclass(frozen=True)
class PlacementMonthRow:
    """``placements`` started (``ended`` False, ``end_reason`` None) or ended for ``end_reason`` in ``month``."""

    month: date
    ended: bool
    end_reason: str | None
    placements: int


def month_text(first_day: date) -> str:
    """``YYYY-MM`` of a month's first day."""
    return f"{first_day.year:04d}-{first_day.month:02d}"


def _next_month(first_day: date) -> date:
    return date(first_day.year + first_day.month // 12, first_day.month % 12 + 1, 1)


def listed_months(first: date, as_of: date) -> list[date]:
    """First days of the months from ``first``'s through ``as_of``'s, the newest :data:`MAX_MONTHS` of them
    (empty when ``first`` lies after ``as_of``)."""
    month, last = first.replace(day=1), as_of.replace(day=1)
    months: list[date] = []
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months[-MAX_MONTHS:]


def empty_end_reasons() -> dict[str, int]:
    """Every reason of :data:`END_REASONS` at 0, in their order."""
    return dict.fromkeys(END_REASONS, 0)


def municipality_kpis(
    municipality_id: UUID,
    as_of: date,
    terms: TermsFacts,
    citizens: list[CitizenMonthRow],
    placements: list[PlacementMonthRow],
    retention: list[Retention],
) -> MunicipalityKpis:
    """The figures from the aggregated rows (pure). Months run from the agreement's first effective month or the
    first month with co-financed hours or a started or ended placement, whichever is earlier, through ``as_of``'s
    month; the cumulative citizens count from the very start even when older months are left off. An end reason
    outside :data:`END_REASONS` (a newer placement version) is counted under its own key after the known ones."""
    starts = [terms.first_effective, *(r.month for r in citizens), *(r.month for r in placements)]
    months = listed_months(min(starts), as_of)
    listed = set(months)
    minutes = {r.month: r.minutes for r in citizens}
    new = {r.month: r.new_citizens for r in citizens}
    started: dict[date, int] = {}
    ended: dict[date, dict[str, int]] = {}
    total_reasons = empty_end_reasons()
    for row in placements:
        if row.ended:
            reason = row.end_reason or "unknown"
            per_month = ended.setdefault(row.month, empty_end_reasons())
            per_month[reason] = per_month.get(reason, 0) + row.placements
            total_reasons[reason] = total_reasons.get(reason, 0) + row.placements
        else:
            started[row.month] = started.get(row.month, 0) + row.placements
    # The cumulative count includes the months before the listed ones.
    cumulative = sum(n for m, n in new.items() if m not in listed and months and m < months[0])
    rows: list[KpiMonth] = []
    for month in months:
        cumulative += new.get(month, 0)
        reasons = ended.get(month, empty_end_reasons())
        rows.append(
            KpiMonth(
                month=month_text(month),
                unique_citizens_cumulative=cumulative,
                new_citizens=new.get(month, 0),
                co_financed_minutes=minutes.get(month, 0),
                placements_started=started.get(month, 0),
                placements_ended=sum(reasons.values()),
                end_reasons=reasons,
            )
        )
    return MunicipalityKpis(
        municipality_id=municipality_id,
        municipality_name=terms.name,
        as_of=as_of,
        agreement_from=terms.first_effective,
        target_unique_citizens=terms.target,
        unique_citizens=sum(new.values()),
        co_financed_minutes=sum(minutes.values()),
        placements_started=sum(started.values()),
        placements_ended=sum(total_reasons.values()),
        months=rows,
        end_reasons=total_reasons,
        retention=retention,
    )
