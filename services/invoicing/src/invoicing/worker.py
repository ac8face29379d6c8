"""The Kafka consumers this service runs (started by the shared app skeleton)."""

from __future__ import annotations

import asyncpg

from invoicing.accruals.handlers import on_entry_approved
from invoicing.accruals.handlers import on_placement_created as accrue_placement_created
from invoicing.accruals.service import prepare_approvals
from invoicing.adjustments.handlers import on_municipality_terms_set, on_placement_rates_changed
from invoicing.citizens.handlers import on_citizens_merged
from invoicing.companies.handlers import on_company_registered, on_company_updated
from invoicing.municipality_kpis import handlers as kpis
from invoicing.pay_inputs import handlers as pay_inputs
from invoicing.statements.handlers import on_citizen_referred
from vikar_shared.events import placement, timesheet
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import (
    ActivityLogged,
    CitizenReferred,
    CitizensMerged,
    CompanyRegistered,
    CompanyUpdated,
    EmployeeRegistered,
    MunicipalityTermsSet,
    PageSessionEnded,
    PlacementCreated,
    PlacementRatesChanged,
    PlacementStatusChanged,
)
from vikar_shared.events.timesheet import EntryApproved, EntryChanged, EntryRejected, HoursSubmitted
from vikar_shared.identity.revocation import on_page_session_ended
from vikar_shared.messaging.subscriber import ConsumerSpec


async def on_placement_created(conn: asyncpg.Connection, envelope: Envelope, data: PlacementCreated) -> None:
    """Both read models of a new placement in the one inbox transaction: accruals' (and the entries waiting for
    it), then the progress figures' (issue 12). Each is idempotent on a redelivery."""
    await accrue_placement_created(conn, envelope, data)
    await kpis.on_placement_created(conn, envelope, data)


PLACEMENTS = ConsumerSpec(
    name="invoicing.placements",
    topics=[placement.TOPIC],
    handlers={
        MunicipalityTermsSet: on_municipality_terms_set,
        PlacementCreated: on_placement_created,
        PlacementRatesChanged: on_placement_rates_changed,
        CitizensMerged: on_citizens_merged,
        CompanyRegistered: on_company_registered,
        CompanyUpdated: on_company_updated,
        PageSessionEnded: on_page_session_ended,
        CitizenReferred: on_citizen_referred,
        # Issue 12: the progress figures' read model.
        PlacementStatusChanged: kpis.on_placement_status_changed,
        ActivityLogged: kpis.on_activity_logged,
        # Issue 13: the pay side's employees (employee numbers).
        EmployeeRegistered: pay_inputs.on_employee_registered,
    },
    description="Keeps the terms (with the statement, VAT and payment fields), placements, bill rate and referrals "
    "(what a co-financing statement names a citizen by) read models; accrues approved entries that waited; "
    "settles a retroactive bill or co-financing rate change as adjustments; "
    "moves a merged citizen's placements and lines to the citizen kept; keeps the companies read model (buyer, "
    "billing rhythm, payment terms, approvers); records page sessions the identity owner ended (the portal's "
    "invoices pages refuse them); keeps the municipality progress figures' read model (each placement's status, "
    "start and end date and end reason; citizens' first days at a company, activity first_day_accompanied; a "
    "merged citizen's rows move to the citizen kept); keeps the employees read model (each citizen's employee "
    "number and start date; a merged citizen's row moves to the citizen kept, or goes when that one has a number)",
)

APPROVALS = ConsumerSpec(
    name="invoicing.approvals",
    topics=[timesheet.TOPIC],
    handlers={
        EntryApproved: on_entry_approved,
        # Issue 13: hours worked but not approved, for the pay close (an approved entry is left out when read).
        HoursSubmitted: pay_inputs.on_hours_submitted,
        EntryChanged: pay_inputs.on_entry_changed,
        EntryRejected: pay_inputs.on_entry_rejected,
    },
    prepare={EntryApproved: prepare_approvals},
    description="Records approved entries and accrues them into billable and co-financing lines; keeps the "
    "unapproved hours read model (entries submitted, changed or rejected, with their latest work date and minutes; "
    "never a rejection reason) the pay close lists for finance",
)

CONSUMERS: list[ConsumerSpec] = [PLACEMENTS, APPROVALS]
