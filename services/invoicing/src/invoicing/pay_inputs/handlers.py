"""Kafka handlers of the pay inputs; each runs inside the inbox transaction of its event. The timesheet ones
take the envelope's ``occurred_at`` as the time of the entry's status (an older event never overwrites)."""

from __future__ import annotations

import asyncpg

from invoicing.pay_inputs import service
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import EmployeeRegistered
from vikar_shared.events.timesheet import EntryChanged, EntryRejected, HoursSubmitted


async def on_employee_registered(conn: asyncpg.Connection, envelope: Envelope, data: EmployeeRegistered) -> None:
    await service.record_employee(conn, data)


async def on_hours_submitted(conn: asyncpg.Connection, envelope: Envelope, data: HoursSubmitted) -> None:
    await service.record_submitted(conn, data, occurred_at=envelope.occurred_at)


async def on_entry_changed(conn: asyncpg.Connection, envelope: Envelope, data: EntryChanged) -> None:
    await service.record_changed(conn, data, occurred_at=envelope.occurred_at)


async def on_entry_rejected(conn: asyncpg.Connection, envelope: Envelope, data: EntryRejected) -> None:
    await service.record_rejected(conn, data, occurred_at=envelope.occurred_at)
