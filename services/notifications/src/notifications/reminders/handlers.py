"""Kafka handler of the reminder ladder (timesheet's topic): the approvers are told what timesheet deemed
approved. Runs in the ``notifications.hours`` consumer's inbox transaction."""

from __future__ import annotations

import asyncpg

from notifications.companies import reads as companies
from notifications.directory.models import Recipient
from notifications.emails import service as emails
from notifications.emails.models import MailContext
from notifications.reminders.mail import Addressee, ListedHours, plan_deemed_mail
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.timesheet import EntriesDeemedApproved
from vikar_shared.messaging.consumer import Handler


def deemed_approved_handler(context: MailContext, agency: str) -> Handler:
    """``EntriesDeemedApproved`` → one ``deemed_approved`` mail per approver of the company (event id: the
    event's, so a redelivery plans nothing new)."""

    async def on_entries_deemed_approved(
        conn: asyncpg.Connection, envelope: Envelope, data: EntriesDeemedApproved
    ) -> None:
        if not data.entries:
            return
        hours = [ListedHours(e.citizen_name, e.work_date, e.minutes) for e in data.entries]
        name = await companies.company_name(conn, data.company_id)
        await emails.enqueue(
            conn,
            [
                plan_deemed_mail(
                    event_id=envelope.id,
                    company_name=name,
                    addressee=Addressee(Recipient(a.email, a.name, a.language), "approver"),
                    hours=hours,
                    agency=agency,
                    context=context,
                )
                for a in await companies.approvers_of(conn, data.company_id)
            ],
        )

    return on_entries_deemed_approved
