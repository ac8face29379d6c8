"""Placement reads "today" from the app's clock (issue 7, item 2): with the clock configured by
``VIKAR_CLOCK_START`` (as a demo or acceptance system runs), an opening is reported on the clock's day,
a referral dated after it is refused, a referral on it is accepted, and the terms in force, the target
groups and the follow-ups default to it. The start is far from the real date, so the machine's clock would answer differently."""

from __future__ import annotations

from typing import Any

from vikar_shared.auth import Role
from vikar_shared.clock import ShiftedClock
from vikar_shared.testing.plugin import bearer

ADMIN = bearer(Role.ADMIN, sub="admin-1")
ANNA = bearer(Role.CONSULTANT, sub="anna")
START = "2027-03-10T09:00:00+01:00"  # a Wednesday, ISO week 2027-W10


async def test_a_configured_clock_is_today_for_openings_referrals_target_groups_and_follow_ups(
    serve_placement: Any,
) -> None:
    async with serve_placement(VIKAR_CLOCK_START=START) as api:
        assert isinstance(api.clock, ShiftedClock)
        client = api.client
        municipality = await client.post("/municipalities", json={"name": "Aalborg"}, headers=ADMIN)
        assert municipality.status_code == 201, municipality.text
        mid = municipality.json()["id"]
        for effective_from, rate in (("2024-01-01", 6500), ("2027-03-01", 7000)):
            terms = {
                "effective_from": effective_from,
                "co_financing_rate_ore_per_hour": rate,
                "eligibility_threshold_weeks": 26,
            }
            added = await client.post(f"/municipalities/{mid}/terms", headers=ADMIN, json=terms)
            assert added.status_code == 201, added.text
        in_force = await client.get(f"/municipalities/{mid}/terms", headers=ADMIN)
        assert in_force.status_code == 200, in_force.text
        assert in_force.json()["co_financing_rate_ore_per_hour"] == 7000  # the machine's date would give 6500

        company = await client.post(
            "/companies",
            headers=ANNA,
            json={"name": "Bager Hansen", "cvr": "12345674", "approvers": [{"email": "ib@bager.dk", "name": "Ib"}]},
        )
        assert company.status_code == 201, company.text
        opening = await client.post(
            "/openings",
            headers=ANNA,
            json={
                "company_id": company.json()["id"],
                "job_category": "kitchen help",
                "tasks": "Dishes and simple food preparation",
                "hours_per_week_minutes": 600,
                "contact": {"name": "Ib Hansen", "phone": "+45 12 34 56 78"},
                "wished_start": "2027-03-22",
            },
        )
        assert opening.status_code == 201, opening.text
        # Reported Wednesday 10 March 2027; two working days later is Friday.
        assert (opening.json()["reported_on"], opening.json()["follow_up_due_on"]) == ("2027-03-10", "2027-03-12")

        def referral(cpr: str, referred_on: str) -> dict[str, object]:
            return {
                "cpr": cpr,
                "name": "Mette Hansen",
                "municipality_id": mid,
                "referred_on": referred_on,
                "weeks_unemployed": 60,
            }

        tomorrow = await client.post("/referrals", headers=ANNA, json=referral("010190-1234", "2027-03-11"))
        assert tomorrow.status_code == 422, tomorrow.text
        assert [(e["field"], e["rule"]) for e in tomorrow.json()["errors"]] == [("referred_on", "not-in-future")]
        on_the_day = await client.post("/referrals", headers=ANNA, json=referral("010190-1234", "2027-03-10"))
        assert on_the_day.status_code == 201, on_the_day.text

        default = await client.get("/target-groups", headers=ANNA)
        on_the_clock = await client.get("/target-groups", params={"on": "2027-03-10"}, headers=ANNA)
        assert default.status_code == on_the_clock.status_code == 200
        assert default.json() == on_the_clock.json()

        this_week = await client.get("/consultants/me/follow-ups", headers=ANNA)
        assert this_week.status_code == 200, this_week.text
        assert this_week.json()["week"] == "2027-W10"
