"""``vikar-invoicing close``: the same close as POST /closes, with a progress bar and a summary table."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from rich.console import Console

from invoicing.cli import kroner, main, run_close, summary
from vikar_shared.errors import DomainError

AALBORG = uuid.UUID("00000000-0000-4000-8000-0000000000a1")
BAGER = uuid.UUID("00000000-0000-4000-8000-0000000000c1")


async def test_the_cli_closes_once_and_prints_the_drafts_with_exact_kroner(invoicing: Any, build: Any) -> None:
    await invoicing.publish_company_events(build.company(BAGER))
    anna = build.placement(
        company_id=BAGER, municipality_id=AALBORG, citizen_name="Anna", bill_rate=17_999, eligible=False
    )
    await invoicing.publish_placement_events(anna)
    await invoicing.publish_approvals(
        build.approval(anna, date(2026, 10, 5), 90), build.approval(anna, date(2026, 10, 6), 45)
    )
    await invoicing.wait_for_count("select count(*) from billable_lines", expected=2, what="accrued")
    settings = invoicing.app.state.settings.model_copy(update={"clock_start": datetime(2026, 11, 5, 12, tzinfo=UTC)})
    console = Console(record=True, width=120)
    closed = await run_close(settings, date(2026, 10, 31), console)
    [draft] = closed.invoices
    # 26 999 + 13 499 = 40 498 øre; VAT 10 124.5 -> 10 125; total 50 623.
    assert (draft.net_ore, draft.vat_ore, draft.total_ore) == (40_498, 10_125, 50_623)
    assert closed.requested_by.startswith("cli:")
    console.print(summary(closed))
    text = console.export_text()
    assert "2026-10" in text and "404,98" in text and "101,25" in text and "506,23" in text and "2:15" in text
    again = await run_close(settings, date(2026, 10, 31), console)
    assert again.invoices == ()
    assert await invoicing.count("select count(*) from invoices") == 1
    with pytest.raises(DomainError) as refused:
        await run_close(settings, date(2026, 11, 6), console)
    assert refused.value.code == "close-through-future"


def test_a_through_that_is_not_a_date_exits_2_naming_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["close", "--through", "30-11-2026"]) == 2
    assert "date-format" in capsys.readouterr().out


def test_kroner() -> None:
    assert [kroner(v) for v in (0, 1, 57_473, 123_456_789, -1)] == ["0,00", "0,01", "574,73", "1.234.567,89", "-0,01"]
