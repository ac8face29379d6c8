"""Kafka handler of ``placement.citizen_referred``; it runs inside the inbox transaction of the event."""

from __future__ import annotations

import asyncpg

from invoicing.statements import service
from vikar_shared.events.envelope import Envelope
from vikar_shared.events.placement import CitizenReferred


async def on_citizen_referred(conn: asyncpg.Connection, envelope: Envelope, data: CitizenReferred) -> None:
    """Keeps the referrals read model (what a statement names the citizen by); a redelivery changes nothing."""
    await service.record_referral(conn, data)
