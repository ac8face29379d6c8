"""The Kafka consumers this service runs (started by the shared app skeleton)."""

from __future__ import annotations

from collections.abc import Callable

from timesheet.citizens.handlers import on_citizens_merged
from timesheet.companies.handlers import on_company_registered, on_company_updated
from timesheet.deemed_approval.handlers import deemed_approval_handlers
from timesheet.placements.handlers import (
    on_placement_created,
    on_placement_rates_changed,
    on_placement_status_changed,
)
from vikar_shared.clock import Clock
from vikar_shared.events import notifications, placement
from vikar_shared.events.placement import (
    CitizensMerged,
    CompanyRegistered,
    CompanyUpdated,
    PageSessionEnded,
    PlacementCreated,
    PlacementRatesChanged,
    PlacementStatusChanged,
)
from vikar_shared.identity.revocation import on_page_session_ended
from vikar_shared.messaging.subscriber import ConsumerSpec

PLACEMENTS = ConsumerSpec(
    name="timesheet.placements",
    topics=[placement.TOPIC],
    handlers={
        PlacementCreated: on_placement_created,
        PlacementStatusChanged: on_placement_status_changed,
        PlacementRatesChanged: on_placement_rates_changed,
        CompanyRegistered: on_company_registered,
        CompanyUpdated: on_company_updated,
        CitizensMerged: on_citizens_merged,
        PageSessionEnded: on_page_session_ended,
    },
    description="Keeps the read models of placements (status, rate versions) and companies (approvers) "
    "that submitted hours are checked and routed against, and moves a merged citizen's placements and "
    "entries to the citizen kept, and records page sessions the identity owner ended (the portal refuses them)",
)


# Issue 14 part C: deemed approval, asked for by notifications' reminder run.
def deemed_approval_consumer(clock: Callable[[], Clock]) -> ConsumerSpec:
    """``clock`` gives the app's clock (the decision's time)."""
    return ConsumerSpec(
        name="timesheet.deemed_approval",
        topics=[notifications.TOPIC],
        handlers=deemed_approval_handlers(clock),
        description="Approves, as deemed approved, the entries a company left pending past its opted-in "
        "deadline (still submitted at the version the request lists), and tells notifications once",
    )


def build_consumers(clock: Callable[[], Clock]) -> list[ConsumerSpec]:
    """The service's consumers; ``clock`` gives the app's clock (``app.state.clock``) when called."""
    return [PLACEMENTS, deemed_approval_consumer(clock)]
