"""``vikar-invoicing statements``: the same run as POST /statement-runs, with a progress bar and a summary table."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from rich.console import Console

from invoicing.cli import main, run_statements, statements_summary
from vikar_shared.errors import DomainError
from vikar_shared.events.placement import MunicipalityTermsSet

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")


async def test_the_cli_states_once_and_prints_the_drafts_with_exact_kroner(invoicing: Any, build: Any) -> None:
    terms = MunicipalityTermsSet(
        municipality_id=AALBORG,
        municipality_name="Aalborg Kommune",
        terms_id=uuid.uuid4(),
        effective_from=date(2026, 1, 1),
        co_financing_rate_ore_per_hour=9_999,
        eligibility_threshold_weeks=52,
        target_unique_citizens=25,
    )
    anna = build.placement(company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna", bill_rate=17_999)
    await invoicing.publish_placement_events(terms, anna)
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 10, 5), 90), build.approval(anna, date(2026, 10, 6), 45)
    )
    await invoicing.wait_for_count("select count(*) from co_financing_lines", expected=2, what="accrued")
    settings = invoicing.app.state.settings.model_copy(update={"clock_start": datetime(2026, 11, 5, 12, tzinfo=UTC)})
    console = Console(record=True, width=120)
    stated = await run_statements(settings, date(2026, 10, 31), console)
    [draft] = stated.statements
    # 14 998.5 -> 14 999 and 7 499.25 -> 7 499: 22 498 øre.
    assert (draft.net_ore, draft.total_minutes, stated.municipalities_done) == (22_498, 135, 1)
    assert stated.requested_by.startswith("cli:")
    console.print(statements_summary(stated))
    text = console.export_text()
    assert "Aalborg Kommune" in text and "2026-10-01..2026-10-31" in text and "224,98" in text and "2:15" in text
    assert "1 / 25" in text
    again = await run_statements(settings, date(2026, 10, 31), console)
    assert again.statements == ()
    assert await invoicing.count("select count(*) from statements") == 1
    with pytest.raises(DomainError) as refused:
        await run_statements(settings, date(2026, 11, 6), console)
    assert refused.value.code == "statement-run-through-future"


def test_a_through_that_is_not_a_date_exits_2_naming_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["statements", "--through", "30-11-2026"]) == 2
    assert "date-format" in capsys.readouterr().out
