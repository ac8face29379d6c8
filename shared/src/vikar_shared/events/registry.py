"""Every event type the system knows, by (type, version)."""

from __future__ import annotations

from vikar_shared.events import invoicing, notifications, placement, timesheet
from vikar_shared.events.envelope import Envelope, EventData

EVENT_TYPES: tuple[type[EventData], ...] = (
    placement.MunicipalityTermsSet,
    placement.CompanyRegistered,
    placement.CitizenReferred,
    placement.PlacementCreated,
    placement.CompanyUpdated,
    placement.PlacementRatesChanged,
    placement.PlacementStatusChanged,
    placement.JobOpeningChanged,
    placement.ActivityLogged,
    placement.CitizensMerged,
    placement.PageLoginLinkRequested,
    placement.PageSessionEnded,
    placement.EmployeeRegistered,
    placement.StaffMemberChanged,
    timesheet.HoursSubmitted,
    timesheet.EntryApproved,
    timesheet.EntryRejected,
    timesheet.EntryChanged,
    timesheet.LoginLinkRequested,
    timesheet.LoginLinkRequestedV2,
    timesheet.EntriesDeemedApproved,
    invoicing.HoursAccrued,
    invoicing.InvoiceIssued,
    invoicing.CreditNoteIssued,
    invoicing.InvoicePaid,
    invoicing.InvoicePaymentFailed,
    invoicing.InvoiceVoided,
    invoicing.StatementIssued,
    invoicing.CorrectionStatementIssued,
    invoicing.PayPeriodClosed,
    invoicing.PaymentReminderIssued,
    notifications.DeemedApprovalDue,
)

REGISTRY: dict[tuple[str, int], type[EventData]] = {(t.event_type, t.event_version): t for t in EVENT_TYPES}
TOPICS: tuple[str, ...] = (placement.TOPIC, timesheet.TOPIC, invoicing.TOPIC, notifications.TOPIC)


def model_for(envelope: Envelope) -> type[EventData] | None:
    return REGISTRY.get((envelope.type, envelope.version))


def decode(envelope: Envelope) -> EventData | None:
    """The typed payload, or None for a type this code does not know (skip and count)."""
    model = model_for(envelope)
    return None if model is None else model.model_validate(envelope.data)
