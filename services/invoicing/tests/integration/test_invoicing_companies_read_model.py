"""Placement's company events fill invoicing's companies read model (buyer, address, rhythm, terms)."""

from __future__ import annotations

import uuid
from typing import Any

BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")


async def test_a_registered_company_is_kept_whole_and_an_update_replaces_it(invoicing: Any, build: Any) -> None:
    await invoicing.publish_company_events(build.company(BAGER, billing_period="weekly", payment_terms_days=8))
    await invoicing.wait_for_count("select count(*) from companies", expected=1, what="company read model")
    row = await invoicing.pool.fetchrow("select * from companies where company_id = $1", BAGER)
    assert (row["name"], row["cvr"], row["billing_period"], row["payment_terms_days"]) == (
        "Bager Hansen ApS",
        "12345674",
        "weekly",
        8,
    )
    assert (row["street"], row["postcode"], row["city"]) == ("Algade 1", "9000", "Aalborg")
    assert (row["billing_contact_name"], row["billing_contact_email"]) == ("Hanne Bogholder", "bogholderi@bager.dk")

    await invoicing.publish_company_events(
        build.company(
            BAGER, name="Bager Hansen A/S", billing_period=None, payment_terms_days=None, address=False, updated=True
        )
    )
    await invoicing.wait_for_count(
        "select count(*) from companies where name = 'Bager Hansen A/S'", expected=1, what="company updated"
    )
    row = await invoicing.pool.fetchrow("select * from companies where company_id = $1", BAGER)
    # An event from before the fields: monthly, 14 days, no address.
    assert (row["billing_period"], row["payment_terms_days"], row["street"], row["billing_contact_name"]) == (
        "monthly",
        14,
        None,
        None,
    )
