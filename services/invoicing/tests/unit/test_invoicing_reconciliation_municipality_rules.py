"""Pure rules of the per-municipality reconciliation (issue 11): co-financed = stated − corrected + not yet
stated, in øre and minutes; statement lines and statements checked against the items on them. Exact øre."""

from __future__ import annotations

import uuid
from datetime import date

from invoicing.reconciliation.models import (
    CoFinancedItems,
    StatementCheck,
    StatementLineCheck,
    reconcile_municipalities,
)
from invoicing.reconciliation.schemas import ReconciliationOut

AALBORG, ODENSE = uuid.UUID(int=1), uuid.UUID(int=2)
STATEMENT, CORRECTION = uuid.uuid4(), uuid.uuid4()


def _line(amount: int, minutes: int, items: int, items_minutes: int, **kw: object) -> StatementLineCheck:
    values: dict[str, object] = {
        "statement_id": STATEMENT,
        "municipality_id": AALBORG,
        "document_type": "statement",
        "status": "issued",
        "number": "S-2026-000001",
        "position": 1,
        "citizen_id": uuid.UUID(int=7),
    }
    values.update(kw)
    return StatementLineCheck(
        amount_ore=amount,
        minutes=minutes,
        items_ore=items,
        items_minutes=items_minutes,
        **values,  # type: ignore[arg-type]
    )


def test_stated_minus_corrected_plus_not_yet_stated_balances_in_ore_and_minutes() -> None:
    # Co-financed 90 min 15 000 + 50 min 8 333 - 20 min 3 333 (a negative correction) + a 1 500 adjustment,
    # and 60 min 12 000 on a draft.
    items = CoFinancedItems(AALBORG, 15_000 + 8_333 - 3_333 + 1_500 + 12_000, 90 + 50 - 20 + 60, 12_000, 60)
    lines = [
        _line(15_000, 90, 15_000, 90),
        _line(8_333, 50, 8_333, 50, position=2),
        _line(1_500, 0, 1_500, 0, position=3),
        # The correction statement credits the -3 333 with a positive line.
        _line(3_333, 20, -3_333, -20, statement_id=CORRECTION, document_type="correction_statement"),
        # A draft's line neither counts as stated nor is hidden from the checks.
        _line(12_000, 60, 12_000, 60, statement_id=uuid.uuid4(), status="draft"),
    ]
    documents = [
        StatementCheck(STATEMENT, AALBORG, "statement", "issued", "S-2026-000001", 24_833, 140, 24_833, 140),
        StatementCheck(CORRECTION, AALBORG, "correction_statement", "issued", "S-2026-000002", 3_333, 20, -3_333, -20),
    ]
    [aalborg] = reconcile_municipalities([items], lines, documents, {AALBORG: "Aalborg"})
    assert (aalborg.co_financed_ore, aalborg.stated_ore, aalborg.corrected_ore, aalborg.not_yet_stated_ore) == (
        33_500,
        24_833,
        3_333,
        12_000,
    )
    assert (aalborg.co_financed_minutes, aalborg.stated_minutes, aalborg.corrected_minutes) == (180, 140, 20)
    assert (aalborg.difference_ore, aalborg.difference_minutes, aalborg.balanced) == (0, 0, True)
    assert (aalborg.line_differences, aalborg.document_differences, aalborg.municipality_name) == ((), (), "Aalborg")


def test_a_line_off_its_items_unbalances_its_municipality_and_is_listed_with_its_statement() -> None:
    off = _line(6_001, 30, 6_000, 30, municipality_id=ODENSE)
    document = StatementCheck(STATEMENT, ODENSE, "statement", "issued", "S-2026-000001", 6_001, 30, 6_000, 30)
    [odense] = reconcile_municipalities([CoFinancedItems(ODENSE, 6_000, 30, 0, 0)], [off], [document])
    assert (odense.stated_ore, odense.difference_ore, odense.difference_minutes, odense.balanced) == (
        6_001,
        -1,
        0,
        False,
    )
    assert odense.line_differences == (off,)
    assert (off.expected_amount_ore, off.difference_ore) == (6_000, 1)
    assert odense.document_differences == (document,)
    assert (document.expected_net_ore, document.difference_ore) == (6_000, 1)
    # Minutes are checked too: a line stating 31 minutes for 30.
    long = _line(6_000, 31, 6_000, 30)
    assert (long.difference_ore, long.difference_minutes) == (0, 1)
    [aalborg] = reconcile_municipalities([CoFinancedItems(AALBORG, 6_000, 30, 0, 0)], [long], [])
    assert (aalborg.difference_ore, aalborg.difference_minutes, aalborg.balanced) == (0, -1, False)


def test_a_line_spanning_the_date_counts_only_what_it_states_of_items_worked_through_it() -> None:
    # 40 000 on the line, 10 000 of it worked after the date; a correction line crediting -2 000 of later hours.
    line = _line(40_000, 240, 40_000, 240, later_items_ore=10_000, later_items_minutes=60)
    credit = _line(
        5_000,
        30,
        -5_000,
        -30,
        statement_id=CORRECTION,
        document_type="correction_statement",
        later_items_ore=-2_000,
        later_items_minutes=-12,
    )
    [aalborg] = reconcile_municipalities([CoFinancedItems(AALBORG, 30_000 - 3_000, 180 - 18, 0, 0)], [line, credit], [])
    assert (aalborg.stated_ore, aalborg.corrected_ore, aalborg.stated_minutes, aalborg.corrected_minutes) == (
        30_000,
        3_000,
        180,
        18,
    )
    assert aalborg.balanced


def test_the_http_shape_counts_unbalanced_municipalities_and_their_differences() -> None:
    off = _line(6_001, 30, 6_000, 30, municipality_id=ODENSE)
    document = StatementCheck(STATEMENT, ODENSE, "statement", "issued", "S-2026-000001", 6_001, 30, 6_000, 30)
    municipalities = reconcile_municipalities(
        [CoFinancedItems(ODENSE, 6_000, 30, 0, 0), CoFinancedItems(AALBORG, 100, 1, 100, 1)], [off], [document]
    )
    out = ReconciliationOut.of(date(2026, 11, 30), [], municipalities)
    assert out.difference_count == 3  # Odense unbalanced, its line, its statement; Aalborg (all unstated) balanced
    aalborg, odense = out.municipalities
    assert (aalborg.balanced, aalborg.not_yet_stated_ore, odense.balanced, odense.difference_ore) == (
        True,
        100,
        False,
        -1,
    )
    [line] = odense.line_differences
    assert (line.statement_id, line.amount_ore, line.expected_amount_ore, line.difference_ore) == (
        STATEMENT,
        6_001,
        6_000,
        1,
    )
    [statement] = odense.document_differences
    assert (statement.net_ore, statement.expected_net_ore, statement.number) == (6_001, 6_000, "S-2026-000001")
