"""Statement use cases (issue 11): the statement run, review / regenerate / delete of drafts, issuing, reading,
and the referrals read model. Services take domain inputs and return domain objects; they never commit, except
:func:`run`, which runs one transaction per batch of municipalities (``RUN_BATCH_MUNICIPALITIES``: its progress is
visible and a crash loses at most one batch, which the next run redoes: the same drafts, nothing twice).
Every change to one municipality's statements holds that municipality's statement lock, so a run, a regenerate,
a delete and an issue of the same municipality never interleave.

Problem codes: 404 ``statement-not-found``, ``statement-run-not-found``; 409 ``statement-issued`` (an issued
statement is never edited, deleted or issued again), ``statement-empty``, ``statement-negative-total``,
``citizen-reference-missing``, ``agreement-terms-incomplete`` (``errors`` names each missing terms field),
``correction-exceeds-statement``; 422 ``statement-run-through-future`` (field ``through``), ``range-reversed``
(field ``period_to``); 403 ``forbidden`` (roles other than finance and admin change statements; a company
approver reads none). Sources: ``shared/docs/domain.md`` rules 3, 4, 7, 8; momsloven § 27, stk. 1; Peppol BIS
Billing 3.0 (DK-R-005, DK-R-006, BR-E-10, BR-O-10).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from invoicing.ledger.models import Party
from invoicing.statements import repository
from invoicing.statements.models import (
    MISSING_REFERENCE,
    AgreementTerms,
    DraftLine,
    MunicipalityParty,
    PaymentMeans,
    Statement,
    StatementDraft,
    StatementIssue,
    StatementItem,
    StatementPeriod,
    StatementPeriodKind,
    StatementRun,
    StatementStatus,
    StatementType,
    VatTerms,
    buyer_of,
    citizen_reference,
    group_correction_lines,
    group_statement_lines,
    missing_issue_terms,
    payment_means_of,
    plan_statements,
    stated_payment_means,
    stated_vat,
    statement_number,
    statement_totals,
    terms_in_force,
    vat_of,
)
from vikar_shared.auth import Principal, Role
from vikar_shared.db import transaction
from vikar_shared.errors import Category, DomainError, FieldViolation, conflict, forbidden, invalid, not_found
from vikar_shared.events.invoicing import CorrectionStatementIssued, StatementIssued
from vikar_shared.events.invoicing import StatementLine as IssuedStatementLine
from vikar_shared.events.placement import CitizenReferred
from vikar_shared.outbox import add_event
from vikar_shared.types.identifiers import contains_cpr

SOURCE = "invoicing"
STATEMENT_ROLES = frozenset({Role.FINANCE, Role.ADMIN})
# A run drafts this many municipalities per transaction (a crash loses at most one batch, which the next run redoes).
RUN_BATCH_MUNICIPALITIES = 20
# Called after each batch of a run: (municipalities done, municipalities in all, statements drafted so far).
Progress = Callable[[int, int, int], None]


def _finance(actor: Principal) -> None:
    if actor.role not in STATEMENT_ROLES:
        raise forbidden("Only finance and admin run statements and change them")


# --- the referrals read model ---------------------------------------------------------------------------------


async def record_referral(conn: asyncpg.Connection, data: CitizenReferred) -> bool:
    """Records ``placement.citizen_referred`` in ``referrals`` (idempotent on ``referral_id``): what a statement
    names the citizen by (case number, name and birth year; never a CPR number). True when new."""
    return await repository.insert_referral(
        conn,
        referral_id=data.referral_id,
        citizen_id=data.citizen_id,
        citizen_name=data.citizen_name,
        municipality_id=data.municipality_id,
        referred_on=data.referred_on,
        case_number=data.case_number,
        birth_year=data.birth_year,
    )


# --- the run --------------------------------------------------------------------------------------------------


async def run(
    pool: asyncpg.Pool,
    actor: Principal,
    through: date,
    *,
    today: date,
    progress: Progress | None = None,
) -> StatementRun:
    """Drafts, for every municipality with co-financing lines or adjustments on no statement, every statement
    period (:func:`invoicing.statements.models.statement_periods`: calendar months, or quarters where the terms
    in force on the period's first day say so) ended on or before ``through`` and not stated yet: one draft per
    period with lines (its own, plus the late lines, approved after their period was stated, on the first one with
    their original work dates), nothing for an empty period. A correction or adjustment of an entry on a draft
    nets on that draft. The open corrections and adjustments of an entry on an ISSUED statement are netted per
    root entry (and hours or adjustment, and rate: the view ``statement_open_items``, migration
    ``20261203_31``): a set whose net lowers the statement goes, all of it, on a draft correction statement of it
    (positive amounts, crediting exactly that net, so never more than the statement stated for those entries); a
    set netting 0 or more goes on the next draft (late hours, or an adjustment line for a net raise).

    A run brings every open item into the drafts it covers: hours approved since a municipality's draft statement
    was made, with a work date up to the end of its period, go on that draft (the first such draft by period;
    before its period as late lines), so issuing right after a run never sends an incomplete statement.

    Idempotent: a period once drafted is stated (``municipality_stated_periods``), and an item is on at most one
    statement, so running it twice drafts nothing twice. ``today``: the agency's date; ``through`` after it is
    422 ``statement-run-through-future``; a run through today states the periods ended by yesterday. 403
    ``forbidden`` for roles other than finance and admin. ``progress``: called after each batch with
    (municipalities done, in all, statements drafted)."""
    _finance(actor)
    if through > today:
        raise invalid("through", "statement-run-through-future", f"through must be today ({today}) or earlier")
    through = min(through, today - timedelta(days=1))
    run_id = uuid.uuid4()
    async with transaction(pool) as conn:
        municipality_ids = await repository.municipalities_with_open_items(conn, through)
        await repository.insert_run(conn, run_id, through, actor.subject, len(municipality_ids))
    drafted = 0
    for first in range(0, len(municipality_ids), RUN_BATCH_MUNICIPALITIES):
        batch = municipality_ids[first : first + RUN_BATCH_MUNICIPALITIES]
        async with transaction(pool) as conn:
            made = await _state_municipalities(conn, run_id, batch, through)
            await repository.run_progressed(conn, run_id, made, len(batch))
        drafted += made
        if progress is not None:
            progress(first + len(batch), len(municipality_ids), drafted)
    async with transaction(pool) as conn:
        await repository.finish_run(conn, run_id)
        result = await repository.get_run(conn, run_id)
    assert result is not None, "the run was written above"
    return result


async def _state_municipalities(
    conn: asyncpg.Connection, run_id: UUID, municipality_ids: list[UUID], through: date
) -> int:
    """Drafts the periods of ``municipality_ids`` (sorted: locks in that order, so two runs never deadlock) in the
    caller's transaction; the number of drafts and correction statements made (a draft netted is not counted)."""
    await repository.lock_municipalities(conn, municipality_ids)
    open_items = await repository.open_items_of(conn, municipality_ids, through=through)
    terms = await repository.terms_of(conn, municipality_ids)
    stated = await repository.stated_through_of(conn, municipality_ids)
    draft_periods = await repository.draft_periods_of(conn, municipality_ids)
    drafts: list[StatementDraft] = []
    stated_now: dict[UUID, date] = {}
    for municipality_id in municipality_ids:
        items = open_items.get(municipality_id, [])
        versions = terms[municipality_id]
        to_net: dict[UUID, list[StatementItem]] = {}
        to_correct: dict[UUID, list[StatementItem]] = {}
        unstated: list[StatementItem] = []
        for item in items:
            if item.corrects_statement_id is not None:
                to_correct.setdefault(item.corrects_statement_id, []).append(item)
            elif item.draft_statement_id is not None:
                to_net.setdefault(item.draft_statement_id, []).append(item)
            elif (on_draft := _draft_for(draft_periods.get(municipality_id, []), item.work_date)) is not None:
                to_net.setdefault(on_draft, []).append(item)
            else:
                unstated.append(item)
        for draft_id, added in to_net.items():
            await _net_on_draft(conn, run_id, draft_id, added, versions)

        def kind_on(day: date, versions: list[AgreementTerms] = versions) -> StatementPeriodKind:
            in_force = terms_in_force(versions, day)
            return StatementPeriodKind.MONTHLY if in_force is None else in_force.period_kind

        planned = plan_statements(unstated, kind_on, through=through, stated_through=stated.get(municipality_id))
        for plan in planned:
            drafts.append(
                await _draft(
                    conn, uuid.uuid4(), municipality_id, plan.period, plan.items, plan.late, versions, run_id=run_id
                )
            )
        if planned:
            stated_now[municipality_id] = max(p.period.end for p in planned)
        for corrected_id, members in to_correct.items():
            if await repository.amount_left_to_correct(conn, corrected_id) <= 0:
                continue  # credited in full already: nothing could be issued; the items stay open
            corrected = await repository.get_statement(conn, corrected_id)
            assert corrected is not None, "correction items refer to an issued statement"
            drafts.append(await _correction(conn, uuid.uuid4(), corrected, members, versions, run_id=run_id))
    await repository.insert_drafts(conn, drafts)
    await repository.set_stated_through_of(conn, stated_now)
    return len(drafts)


def _draft_for(drafts: list[tuple[UUID, StatementPeriod]], work_date: date) -> UUID | None:
    """The draft statement an open item of ``work_date`` belongs on when its period already has one: the first
    draft (by period) ending on or after the work date (a work date before its period makes it a late line, as on
    the first new statement). None: the run plans it (its own period, or the first new one)."""
    for statement_id, period in drafts:
        if work_date <= period.end:
            return statement_id
    return None


async def _references(
    conn: asyncpg.Connection, municipality_id: UUID, terms: AgreementTerms, citizen_ids: set[UUID]
) -> dict[UUID, str]:
    """The citizen reference of each citizen as the agreement (``terms``) chooses it, from the latest referral of
    the citizen by the municipality; :data:`MISSING_REFERENCE` where it is not known **or holds a CPR number**
    (a case number typed as the CPR, a name with one: ``vikar_shared.types.identifiers.contains_cpr``): such a text
    is never stored on a line, and issuing refuses the draft (409 ``citizen-reference-missing``)."""
    known = await repository.latest_referrals(conn, municipality_id, sorted(citizen_ids))
    references: dict[UUID, str] = {}
    for citizen_id in citizen_ids:
        referral = known.get(citizen_id)
        reference = None
        if referral is not None:
            name, birth_year, case_number = referral
            reference = citizen_reference(
                terms.reference_kind, name=name, birth_year=birth_year, case_number=case_number
            )
        usable = reference is not None and not contains_cpr(reference)
        references[citizen_id] = reference if reference is not None and usable else MISSING_REFERENCE
    return references


def _usable_reference(reference: str) -> bool:
    """False for the placeholder of an unknown reference and for a text holding a CPR number (a draft made before
    references were checked at drafting): neither is ever issued."""
    return reference != MISSING_REFERENCE and not contains_cpr(reference)


def _terms_on(versions: list[AgreementTerms], day: date) -> AgreementTerms:
    in_force = terms_in_force(versions, day)
    assert in_force is not None, "a co-financing line exists only under terms in force on its work date"
    return in_force


async def _draft(
    conn: asyncpg.Connection,
    statement_id: UUID,
    municipality_id: UUID,
    period: StatementPeriod,
    items: Sequence[StatementItem],
    late: frozenset[UUID],
    versions: list[AgreementTerms],
    *,
    run_id: UUID | None,
) -> StatementDraft:
    terms = _terms_on(versions, period.end)
    references = await _references(conn, municipality_id, terms, {i.citizen_id for i in items})
    lines = group_statement_lines(items, references, late)
    return await _statement_of(conn, statement_id, municipality_id, period, lines, terms, run_id=run_id)


async def _correction(
    conn: asyncpg.Connection,
    statement_id: UUID,
    corrected: Statement,
    items: Sequence[StatementItem],
    versions: list[AgreementTerms],
    *,
    run_id: UUID | None,
) -> StatementDraft:
    terms = terms_in_force(versions, corrected.period.end) or _terms_on(versions, corrected.period.start)
    references = await _references(conn, corrected.municipality_id, terms, {i.citizen_id for i in items})
    lines = group_correction_lines(items, references)
    draft = await _statement_of(
        conn, statement_id, corrected.municipality_id, corrected.period, lines, terms, run_id=run_id
    )
    statement = dataclasses.replace(
        draft.statement,
        document_type=StatementType.CORRECTION_STATEMENT,
        corrects_statement_id=corrected.statement_id,
        corrects_statement_number=corrected.number,
    )
    return StatementDraft(statement, draft.lines)


async def _statement_of(
    conn: asyncpg.Connection,
    statement_id: UUID,
    municipality_id: UUID,
    period: StatementPeriod,
    lines: tuple[DraftLine, ...],
    terms: AgreementTerms,
    *,
    run_id: UUID | None,
) -> StatementDraft:
    """A draft of ``lines``: net = the sum of the line amounts, minutes their sum; the figures of the period
    (unique citizens in it, since the first work date, the target of the terms in force on its last day)."""
    unique, to_date = await repository.citizen_figures(conn, municipality_id, period.start, period.end)
    statement = Statement(
        statement_id=statement_id,
        municipality_id=municipality_id,
        municipality_name=terms.municipality_name,
        document_type=StatementType.STATEMENT,
        status=StatementStatus.DRAFT,
        period=period,
        terms_id=terms.terms_id,
        lines=tuple(d.line for d in lines),
        net_ore=sum(d.line.amount_ore for d in lines),
        total_minutes=sum(d.line.minutes for d in lines),
        unique_citizens=unique,
        unique_citizens_to_date=to_date,
        target_unique_citizens=terms.target_unique_citizens,
        run_id=run_id,
    )
    return StatementDraft(statement, lines)


async def _net_on_draft(
    conn: asyncpg.Connection, run_id: UUID, draft_id: UUID, added: list[StatementItem], versions: list[AgreementTerms]
) -> None:
    """Items for a draft statement not issued yet (a correction or adjustment of an entry on it, or hours approved
    since it was drafted with a work date up to its period's end: :func:`_draft_for`) go on that draft: it is
    redrafted with its items and these (lines regrouped, figures read again; work dates before its period are
    late lines)."""
    statement = await repository.get_statement(conn, draft_id)
    assert statement is not None and not statement.is_issued
    items = await repository.items_on(conn, draft_id) + added
    await repository.release_items(conn, draft_id)
    late = frozenset(i.item_id for i in items if i.work_date < statement.period.start)
    redrafted = await _draft(
        conn, draft_id, statement.municipality_id, statement.period, items, late, versions, run_id=run_id
    )
    await repository.rewrite_draft(conn, redrafted)


async def get_run(conn: asyncpg.Connection, actor: Principal, run_id: UUID) -> StatementRun:
    """A run with its progress and drafts. 404 ``statement-run-not-found``; 403 ``forbidden`` (not finance)."""
    _finance(actor)
    found = await repository.get_run(conn, run_id)
    if found is None:
        raise not_found("statement-run")
    return found


# --- drafts ---------------------------------------------------------------------------------------------------


async def _locked_statement(conn: asyncpg.Connection, statement_id: UUID) -> Statement:
    """The statement with its municipality's statement lock held. 404 ``statement-not-found``."""
    municipality_id = await repository.municipality_of_statement(conn, statement_id)
    if municipality_id is None:
        raise not_found("statement")
    await repository.lock_municipality(conn, municipality_id)
    statement = await repository.get_statement(conn, statement_id)
    if statement is None:  # deleted while we waited for the lock
        raise not_found("statement")
    return statement


def _still_draft(statement: Statement) -> None:
    if statement.is_issued:
        raise conflict(
            "statement-issued",
            f"Statement {statement.number} is issued: it is never edited, deleted or issued again (hours taken "
            "away become a correction statement)",
        )


async def regenerate(conn: asyncpg.Connection, actor: Principal, statement_id: UUID) -> Statement:
    """Redrafts a draft from the items as they are now: its own items return to the pool, then every item on no
    statement for a draft with a work date up to its period's end goes on it (those before its period as late
    lines), with the citizen references and figures read again. A draft correction statement is redrafted from
    the items that now lower its statement. May leave it empty (issuing is then 409 ``statement-empty``).
    409 ``statement-issued`` for an issued statement; 404 ``statement-not-found``; 403 ``forbidden``."""
    _finance(actor)
    statement = await _locked_statement(conn, statement_id)
    _still_draft(statement)
    await repository.release_items(conn, statement_id)
    versions = (await repository.terms_of(conn, [statement.municipality_id]))[statement.municipality_id]
    if statement.is_correction:
        assert statement.corrects_statement_id is not None
        corrected = await repository.get_statement(conn, statement.corrects_statement_id)
        assert corrected is not None
        items = await repository.open_items(
            conn, statement.municipality_id, through=date.max, corrects_statement_id=corrected.statement_id
        )
        redrafted = await _correction(conn, statement_id, corrected, items, versions, run_id=statement.run_id)
    else:
        items = await repository.open_items(conn, statement.municipality_id, through=statement.period.end)
        late = frozenset(i.item_id for i in items if i.work_date < statement.period.start)
        redrafted = await _draft(
            conn,
            statement_id,
            statement.municipality_id,
            statement.period,
            items,
            late,
            versions,
            run_id=statement.run_id,
        )
    await repository.rewrite_draft(conn, redrafted)
    found = await repository.get_statement(conn, statement_id)
    assert found is not None
    return found


async def delete_draft(conn: asyncpg.Connection, actor: Principal, statement_id: UUID) -> None:
    """Deletes a draft; its items return to the pool (the next run puts them on the municipality's next draft as
    late lines: the period stays stated). 409 ``statement-issued``; 404 ``statement-not-found``; 403."""
    _finance(actor)
    statement = await _locked_statement(conn, statement_id)
    _still_draft(statement)
    await repository.delete_draft(conn, statement_id)


# --- reading --------------------------------------------------------------------------------------------------


async def draft_terms(
    conn: asyncpg.Connection, statement: Statement
) -> tuple[MunicipalityParty, VatTerms | None, PaymentMeans | None]:
    """The buyer, VAT and payment means the terms version of a draft (``statement.terms_id``) states; VAT and
    payment means None while unstated (issuing refuses them then). For the draft's documents."""
    terms = await repository.terms_version(conn, statement.terms_id)
    assert terms is not None, "statements.terms_id references municipality_terms"
    return buyer_of(terms), stated_vat(terms), stated_payment_means(terms)


def may_see(viewer: Principal, statement: Statement) -> bool:
    """Agency staff see every statement; a municipality user only its own municipality's ISSUED statements and
    correction statements (drafts are the agency's internal work until finance issues them)."""
    if viewer.is_agency_staff:
        return True
    return statement.is_issued and viewer.may_see_municipality(statement.municipality_id)


async def get_statement(conn: asyncpg.Connection, viewer: Principal, statement_id: UUID) -> Statement:
    """The statement ``statement_id`` as ``viewer`` may see it. Errors: 404 ``statement-not-found`` (unknown, or
    not the viewer's: :func:`may_see`)."""
    statement = await repository.get_statement(conn, statement_id)
    if statement is None or not may_see(viewer, statement):
        raise not_found("statement")
    return statement


async def get_issued_statement_document(conn: asyncpg.Connection, viewer: Principal, statement_id: UUID) -> Statement:
    """The statement whose PDF or CSV ``viewer`` asks for: :func:`get_statement`'s rule, and (issue 14, part B) a
    ``service`` principal (notifications attaching them to its mail) sees issued statements and correction
    statements, for those documents only. 404 ``statement-not-found`` else."""
    if viewer.role is Role.SERVICE:
        statement = await repository.get_statement(conn, statement_id)
        if statement is None or not statement.is_issued:
            raise not_found("statement")
        return statement
    return await get_statement(conn, viewer, statement_id)


async def list_statements(
    conn: asyncpg.Connection,
    viewer: Principal,
    *,
    municipality_id: UUID | None,
    status: StatementStatus | None,
    document_type: StatementType | None,
    period_from: date | None,
    period_to: date | None,
    limit: int,
    offset: int,
    newest_first: bool = False,
) -> list[Statement]:
    """Statements by period start, then municipality (``newest_first``: by issue date and number, newest first;
    the municipality's Statements page, issue 12). Agency staff see all; a municipality user only its own
    municipality's issued ones (asking for drafts gives an empty list); a company approver nothing (403
    ``forbidden``). ``municipality_id`` of a municipality the viewer may not see, or that invoicing does not know
    (no terms): 404 ``municipality-not-found``. ``period_from``/``period_to``: the periods overlapping those days
    (``period_to`` before ``period_from``: 422 ``range-reversed``, field ``period_to``)."""
    if viewer.role is Role.COMPANY_APPROVER:
        raise forbidden("Statements are for the agency and the municipality stated")
    if period_from is not None and period_to is not None and period_to < period_from:
        raise invalid("period_to", "range-reversed", "period_to is before period_from")
    if municipality_id is not None and (
        not viewer.may_see_municipality(municipality_id)
        or not await repository.municipality_known(conn, municipality_id)
    ):
        raise not_found("municipality")
    if not viewer.is_agency_staff:
        own = viewer.municipality_id
        if status is StatementStatus.DRAFT or own is None:
            return []
        status, municipality_id = StatementStatus.ISSUED, own
    return await repository.list_statements(
        conn,
        municipality_id=municipality_id,
        status=status,
        document_type=document_type,
        period_from=period_from,
        period_to=period_to,
        limit=limit,
        offset=offset,
        newest_first=newest_first,
    )


# --- issuing --------------------------------------------------------------------------------------------------


def _terms_complete(terms: AgreementTerms | None) -> AgreementTerms:
    missing = [("terms", "no terms in force on the period's last day")] if terms is None else missing_issue_terms(terms)
    if missing:
        names = ", ".join(name for name, _ in missing)
        raise DomainError(
            Category.CONFLICT,
            "agreement-terms-incomplete",
            f"The agreement's terms in force on the period's last day do not state {names}: set them in placement "
            "(a new terms version), then issue again",
            [FieldViolation(name, "agreement-terms-incomplete", why) for name, why in missing],
        )
    assert terms is not None
    return terms


async def issue(
    conn: asyncpg.Connection,
    actor: Principal,
    statement_id: UUID,
    *,
    today: date,
    now: datetime,
    seller: Party,
    payment_terms_days: int,
) -> Statement:
    """Issues a draft statement or correction statement in the caller's transaction: the next number of the
    agency's one gap-free statement sequence (``S-YYYY-NNNNNN``, the year of ``today``; the year's counter row is
    incremented here and stays locked until the commit, so a failed issue gives its number back), the parties
    (``seller``: the agency, settings ``seller_*``; the buyer, VAT and payment means from the terms in force on the
    period's last day) frozen on it, VAT and total (:func:`invoicing.statements.models.statement_totals`; ``net_ore``
    stays the sum of the lines, so for a VAT-inclusive rate the total is the net split out of it plus VAT), the due
    date ``today + payment_terms_days`` (a correction statement: ``today``), and ``invoicing.statement_issued``
    (``invoicing.correction_statement_issued``) in the outbox, keyed by the municipality.

    Errors (nothing written): 404 ``statement-not-found``; 409 ``statement-issued`` (issued before: never twice),
    ``statement-empty`` (no lines, or lines netting to 0 øre), ``statement-negative-total``,
    ``citizen-reference-missing`` (a line without a usable reference of the kind the agreement chooses: the
    referral is not known yet, or its case number or name holds a CPR number; regenerate the draft once it is
    fixed), checked before a number is taken, ``agreement-terms-incomplete`` (``errors`` names each missing field:
    vat_category, rate_excludes_vat, vat_exemption_reason, payment_means_code, payee_iban,
    payee_bank_registration, payee_bank_account, ean, person_reference), ``correction-exceeds-statement`` (a
    correction crediting more than is left of its statement); 403 ``forbidden``."""
    _finance(actor)
    statement = await _locked_statement(conn, statement_id)
    _still_draft(statement)
    gross = sum(line.amount_ore for line in statement.lines)
    if not statement.lines or gross == 0:
        raise conflict("statement-empty", "The draft has no lines or they net to 0 øre: there is nothing to state")
    if gross < 0:
        raise conflict(
            "statement-negative-total",
            "The draft's total is negative: hours taken away from an issued statement belong on a correction statement",
        )
    unknown = [line for line in statement.lines if not _usable_reference(line.citizen_reference)]
    if unknown:
        missing = sorted({str(line.citizen_id) for line in unknown})
        raise DomainError(
            Category.CONFLICT,
            "citizen-reference-missing",
            "The agreement's citizen reference (case number, or name and birth year) is not known, or not usable "
            f"(it holds a CPR number), for citizen(s) {', '.join(missing)}: record their referral with a usable "
            "reference, regenerate the draft, then issue it",
            [
                FieldViolation(
                    f"lines.{line.position}.citizen_reference",
                    "citizen-reference-missing",
                    f"no usable reference (not known, or holding a CPR number) for citizen {line.citizen_id}",
                )
                for line in unknown
            ],
        )
    if statement.is_correction:
        assert statement.corrects_statement_id is not None
        left = await repository.amount_left_to_correct(conn, statement.corrects_statement_id)
        if gross > left:
            raise conflict(
                "correction-exceeds-statement",
                f"The correction statement credits {gross} øre, but only {max(left, 0)} øre of statement "
                f"{statement.corrects_statement_number} is left to credit (earlier correction statements): delete "
                "this draft",
            )
    versions = (await repository.terms_of(conn, [statement.municipality_id]))[statement.municipality_id]
    terms = _terms_complete(terms_in_force(versions, statement.period.end))
    vat = vat_of(terms)
    totals = statement_totals([line.amount_ore for line in statement.lines], vat)
    sequence = await repository.next_number(conn, today.year)
    facts = StatementIssue(
        number=statement_number(today.year, sequence),
        issue_date=today,
        due_date=today if statement.is_correction else today + timedelta(days=payment_terms_days),
        issued_at=now,
        issued_by=actor.subject,
        seller=seller,
        buyer=buyer_of(terms),
        payment_means=payment_means_of(terms),
        vat=vat,
        vat_ore=totals.vat_ore,
        total_ore=totals.total_ore,
    )
    await repository.mark_issued(conn, statement_id, terms.terms_id, facts)
    issued = dataclasses.replace(
        statement,
        status=StatementStatus.ISSUED,
        terms_id=terms.terms_id,
        municipality_name=terms.municipality_name,
        issue=facts,
    )
    await add_event(conn, _event(issued, facts), source=SOURCE, subject=statement_id, key=statement.municipality_id)
    return issued


def _event(statement: Statement, facts: StatementIssue) -> StatementIssued | CorrectionStatementIssued:
    lines = [
        IssuedStatementLine(
            citizen_id=line.citizen_id,
            citizen_reference=line.citizen_reference,
            rate_ore_per_hour=line.rate_ore_per_hour,
            minutes=line.minutes,
            amount_ore=line.amount_ore,
            late=line.late,
            adjustment=line.adjustment,
            first_work_date=line.first_work_date,
            last_work_date=line.last_work_date,
        )
        for line in statement.lines
    ]
    both: dict[str, Any] = {
        "statement_id": statement.statement_id,
        "municipality_id": statement.municipality_id,
        "number": facts.number,
        "issue_date": facts.issue_date,
        "period_start": statement.period.start,
        "period_end": statement.period.end,
        # The VAT-exclusive net, so total = net + VAT on the event whatever the rate (for a VAT-inclusive rate the
        # statement's net_ore is the lines' sum, which includes the VAT).
        "net_ore": facts.total_ore - facts.vat_ore,
        "vat_category": facts.vat.category.value,
        "vat_rate_percent": facts.vat.rate_percent,
        "vat_ore": facts.vat_ore,
        "total_ore": facts.total_ore,
        "currency": statement.currency,
        "total_minutes": statement.total_minutes,
        "lines": lines,
    }
    if statement.is_correction:
        assert statement.corrects_statement_id is not None and statement.corrects_statement_number is not None
        return CorrectionStatementIssued(
            corrected_statement_id=statement.corrects_statement_id,
            corrected_statement_number=statement.corrects_statement_number,
            **both,
        )
    return StatementIssued(
        due_date=facts.due_date,
        unique_citizens=statement.unique_citizens,
        unique_citizens_to_date=statement.unique_citizens_to_date,
        target_unique_citizens=statement.target_unique_citizens,
        **both,
    )
