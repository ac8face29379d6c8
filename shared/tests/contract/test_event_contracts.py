"""Event contracts: committed snapshots, the compatibility rules, examples, and the CPR rule."""

from __future__ import annotations

import inspect
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, Field, create_model

from vikar_shared.contracts import export
from vikar_shared.contracts.compat import breaking_changes
from vikar_shared.contracts.messages import message_model, message_schema, snapshot_name
from vikar_shared.events import invoicing, notifications, placement, timesheet
from vikar_shared.events.envelope import Envelope, EventData
from vikar_shared.events.registry import EVENT_TYPES, REGISTRY, decode
from vikar_shared.sealing import SealingKeys, dev_sealing_keys

EVENT_IDS = [snapshot_name(e) for e in EVENT_TYPES]


def _committed(event: type[EventData]) -> dict[str, Any]:
    path = export.SCHEMA_DIR / snapshot_name(event)
    assert path.exists(), f"{event.event_type} v{event.event_version}: no snapshot {path}; run contracts.export"
    return export.load(path)


# ---------------------------------------------------------------- (a) committed snapshots


@pytest.mark.parametrize("event", EVENT_TYPES, ids=EVENT_IDS)
def test_current_model_is_compatible_with_its_committed_snapshot(event: type[EventData]) -> None:
    changes = breaking_changes(_committed(event), export.snapshot(event))
    assert not changes, (
        f"{event.event_type} v{event.event_version} changed incompatibly; publish a new version instead:\n"
        + "\n".join(changes)
    )


def test_committed_snapshots_match_the_models_exactly() -> None:
    assert export.differences() == []


def test_every_event_type_and_version_is_registered_once() -> None:
    assert len(REGISTRY) == len(EVENT_TYPES)
    assert len(set(EVENT_IDS)) == len(EVENT_IDS)


def test_export_cli_writes_missing_snapshots_and_check_then_passes(tmp_path: Path) -> None:
    assert export.main(["--check", "--dir", str(tmp_path)]) == 1
    assert export.main(["--dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(EVENT_IDS)
    assert export.main(["--check", "--dir", str(tmp_path)]) == 0
    written = (tmp_path / EVENT_IDS[0]).read_text()
    assert written.endswith("}\n")
    assert written == json.dumps(json.loads(written), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_export_refuses_to_overwrite_a_snapshot_with_an_incompatible_schema(tmp_path: Path) -> None:
    event = placement.PlacementCreated
    path = tmp_path / snapshot_name(event)
    old = export.snapshot(event)
    old["$defs"]["PlacementCreated"]["properties"]["legacy_code"] = {"type": "string"}
    old["$defs"]["PlacementCreated"]["required"].append("legacy_code")
    path.write_text(export.render(old))

    refused = export.write(tmp_path)

    assert len(refused) == 1
    assert "placement.placement_created.v1.json" in refused[0]
    assert "data.legacy_code: field removed" in refused[0]
    assert "version 2" in refused[0]
    assert export.load(path) == old
    assert any("data.legacy_code: field removed" in d for d in export.differences(tmp_path))


def test_check_reports_a_stale_snapshot_and_an_unregistered_one(tmp_path: Path) -> None:
    export.write(tmp_path)
    event = timesheet.EntryApproved
    stale = export.snapshot(event)
    stale["description"] = "an older wording"
    (tmp_path / snapshot_name(event)).write_text(export.render(stale))
    (tmp_path / "timesheet.entry_cancelled.v1.json").write_text("{}\n")

    found = export.differences(tmp_path)

    assert len(found) == 2
    assert found[0].startswith("timesheet.entry_approved.v1.json: stale")
    assert found[1].startswith("timesheet.entry_cancelled.v1.json: not a registered event version")


# ---------------------------------------------------------------- (b) the compatibility rules


class _Line(BaseModel):
    entry_id: uuid.UUID
    minutes: int


class _Before(BaseModel):
    placement_id: uuid.UUID
    minutes: int
    status: Literal["submitted", "approved", "rejected"]
    note: str | None = None
    reason: str | None
    lines: list[_Line]


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def _changes(**fields: Any) -> list[str]:
    """The breaking changes from ``_Before`` to ``_Before`` with ``fields`` redefined (None removes)."""
    kept = {n: (f.annotation, f) for n, f in _Before.model_fields.items() if n not in fields}
    added = {n: spec for n, spec in fields.items() if spec is not None}
    after = create_model("_After", **kept, **added)
    return breaking_changes(_schema(_Before), _schema(after))


def test_compat_accepts_an_identical_schema() -> None:
    assert breaking_changes(_schema(_Before), _schema(_Before)) == []


def test_compat_accepts_an_added_optional_field() -> None:
    assert _changes(cost_centre=(str | None, None)) == []


def test_compat_ignores_annotations_and_model_names() -> None:
    class _Renamed(BaseModel):
        """A docstring the old schema did not have."""

        placement_id: uuid.UUID = Field(description="now documented", title="Placement")
        minutes: int
        status: Literal["submitted", "approved", "rejected"]
        note: str | None = Field(default="n/a", examples=["x"])
        reason: str | None
        lines: list[_Line]

    assert breaking_changes(_schema(_Before), _schema(_Renamed)) == []


def test_compat_flags_a_removed_field() -> None:
    assert _changes(note=None) == ["note: field removed"]


def test_compat_flags_a_new_required_field() -> None:
    assert _changes(hourly_rate_ore=(int, ...)) == ["hourly_rate_ore: new required field (old messages do not have it)"]


def test_compat_flags_a_changed_type() -> None:
    assert _changes(minutes=(str, ...)) == ["minutes: type changed from integer to string"]


def test_compat_flags_a_changed_format_as_a_changed_type() -> None:
    assert _changes(placement_id=(date, ...)) == ["placement_id: type changed from string (uuid) to string (date)"]


def test_compat_flags_a_narrowed_type() -> None:
    assert _changes(reason=(str, ...)) == ["reason: no longer accepts null (old messages fail validation)"]


def test_compat_flags_a_widened_type() -> None:
    assert _changes(minutes=(int | None, ...)) == ["minutes: now also allows null (old readers reject it)"]


def test_compat_flags_a_required_field_made_optional() -> None:
    assert _changes(minutes=(int, 0)) == [
        "minutes: required field made optional (old readers fail on messages without it)"
    ]


def test_compat_flags_an_optional_field_made_required() -> None:
    assert _changes(note=(str | None, ...)) == ["note: optional field made required (old messages may not have it)"]


def test_compat_flags_removed_and_added_enum_values() -> None:
    assert _changes(status=(Literal["submitted", "approved"], ...)) == [
        "status: enum value(s) removed: ['rejected'] (old messages fail validation)"
    ]
    assert _changes(status=(Literal["submitted", "approved", "rejected", "voided"], ...)) == [
        "status: enum value(s) added: ['voided'] (old readers reject them)"
    ]


def test_compat_flags_a_changed_constraint() -> None:
    assert _changes(minutes=(int, Field(ge=0))) == ["minutes: minimum changed from absent to 0"]


def test_compat_follows_nested_models_in_lists() -> None:
    class _LineWithoutMinutes(BaseModel):
        entry_id: uuid.UUID

    assert _changes(lines=(list[_LineWithoutMinutes], ...)) == ["lines[].minutes: field removed"]


def test_compat_names_the_envelope_and_payload_paths_of_a_real_event() -> None:
    old = export.snapshot(placement.CompanyRegistered)
    new = json.loads(json.dumps(old))
    new["$defs"]["Approver"]["properties"].pop("email")
    new["$defs"]["Approver"]["required"].remove("email")
    new["required"].remove("subject")

    assert breaking_changes(old, new) == [
        "subject: required field made optional (old readers fail on messages without it)",
        "data.approvers[].email: field removed",
    ]


# ---------------------------------------------------------------- (c) examples validate against the snapshots

_COMPANY, _PLACEMENT, _MUNICIPALITY, _ENTRY = (uuid.uuid4() for _ in range(4))
_AT = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)

EXAMPLES: dict[type[EventData], EventData] = {
    placement.MunicipalityTermsSet: placement.MunicipalityTermsSet(
        municipality_id=_MUNICIPALITY,
        municipality_name="Aarhus Kommune",
        terms_id=uuid.uuid4(),
        effective_from=date(2026, 1, 1),
        co_financing_rate_ore_per_hour=4_500,
        eligibility_threshold_weeks=26,
    ),
    placement.CompanyRegistered: placement.CompanyRegistered(
        company_id=_COMPANY,
        name="Bageriet ApS",
        cvr="12345674",
        approvers=[placement.Approver(email="leder@bageriet.dk", name="Lene Leder")],
    ),
    placement.CitizenReferred: placement.CitizenReferred(
        referral_id=uuid.uuid4(),
        citizen_id=uuid.uuid4(),
        citizen_name="Karin Kandidat",
        municipality_id=_MUNICIPALITY,
        referred_on=date(2026, 11, 2),
        weeks_unemployed=40,
        eligible=True,
        threshold_weeks_applied=26,
        terms_id=uuid.uuid4(),
    ),
    placement.PlacementCreated: placement.PlacementCreated(
        placement_id=_PLACEMENT,
        citizen_id=uuid.uuid4(),
        citizen_name="Karin Kandidat",
        referral_id=uuid.uuid4(),
        municipality_id=_MUNICIPALITY,
        co_financing_eligible=True,
        company_id=_COMPANY,
        start_date=date(2026, 11, 9),
        end_date=None,
        bill_rate_ore_per_hour=18_750,
    ),
    placement.CompanyUpdated: placement.CompanyUpdated(
        company_id=_COMPANY,
        name="Bageriet ApS",
        cvr="12345674",
        approvers=[placement.Approver(email="ib@bageriet.example", name="Ib")],
        ean="5790000000005",
        billing_period="monthly",
        payment_terms_days=14,
    ),
    placement.PlacementRatesChanged: placement.PlacementRatesChanged(
        placement_id=_PLACEMENT,
        company_id=_COMPANY,
        rates=[
            placement.RateVersion(effective_from=date(2026, 11, 9), bill_rate_ore_per_hour=18_750),
            placement.RateVersion(
                effective_from=date(2027, 1, 1), bill_rate_ore_per_hour=19_250, wage_rate_ore_per_hour=14_000
            ),
        ],
    ),
    placement.PlacementStatusChanged: placement.PlacementStatusChanged(
        placement_id=_PLACEMENT,
        company_id=_COMPANY,
        citizen_id=uuid.uuid4(),
        status="ended",
        start_date=date(2026, 11, 9),
        end_date=date(2027, 3, 31),
        end_reason="hired_directly",
    ),
    placement.JobOpeningChanged: placement.JobOpeningChanged(
        opening_id=uuid.uuid4(),
        company_id=_COMPANY,
        status="handed_over",
        job_category="kitchen",
        hours_per_week_minutes=600,
        handed_over_reason="too_many_hours",
    ),
    placement.ActivityLogged: placement.ActivityLogged(
        activity_id=uuid.uuid4(),
        citizen_id=uuid.uuid4(),
        activity_type="follow_up_day_7",
        occurred_on=date(2026, 11, 16),
        logged_by="anna",
    ),
    placement.CitizensMerged: placement.CitizensMerged(
        kept_citizen_id=uuid.uuid4(),
        merged_citizen_id=uuid.uuid4(),
        merged_at=_AT,
    ),
    timesheet.HoursSubmitted: timesheet.HoursSubmitted(
        submission_id=uuid.uuid4(),
        placement_id=_PLACEMENT,
        company_id=_COMPANY,
        citizen_name="Karin Kandidat",
        submitted_by="consultant:mette",
        entries=[timesheet.SubmittedEntry(entry_id=_ENTRY, work_date=date(2026, 11, 24), minutes=150, version=1)],
    ),
    timesheet.EntryApproved: timesheet.EntryApproved(
        entry_id=_ENTRY,
        placement_id=_PLACEMENT,
        company_id=_COMPANY,
        work_date=date(2026, 11, 24),
        minutes=150,
        approved_by="leder@bageriet.dk",
        approved_at=_AT,
    ),
    timesheet.EntryRejected: timesheet.EntryRejected(
        entry_id=uuid.uuid4(),
        placement_id=_PLACEMENT,
        company_id=_COMPANY,
        work_date=date(2026, 11, 25),
        minutes=60,
        reason="Karin var syg den dag",
        rejected_by="leder@bageriet.dk",
        rejected_at=_AT,
    ),
    timesheet.EntryChanged: timesheet.EntryChanged(
        entry_id=uuid.uuid4(),
        submission_id=uuid.uuid4(),
        placement_id=_PLACEMENT,
        company_id=_COMPANY,
        version=2,
        work_date=date(2026, 11, 25),
        minutes=180,
        previous_work_date=date(2026, 11, 25),
        previous_minutes=240,
        changed_by="konsulent@vikar.dk",
        changed_at=_AT,
    ),
    timesheet.LoginLinkRequested: timesheet.LoginLinkRequested(
        request_id=uuid.uuid4(),
        company_id=_COMPANY,
        email="ib@bageriet.example",
        link="http://127.0.0.1:8102/portal/login/AbC123",
        expires_at=datetime(2026, 11, 27, 9, 45, tzinfo=UTC),
        locale="da",
    ),
    timesheet.LoginLinkRequestedV2: timesheet.LoginLinkRequestedV2(
        request_id=uuid.uuid4(),
        company_id=_COMPANY,
        email="ib@bageriet.example",
        sealed_link=SealingKeys(dev_sealing_keys()).seal(
            "http://127.0.0.1:8102/portal/login/AbC123",
            context=timesheet.login_link_seal_context("ib@bageriet.example"),
        ),
        expires_at=datetime(2026, 11, 27, 9, 45, tzinfo=UTC),
        locale="da",
    ),
    placement.PageLoginLinkRequested: placement.PageLoginLinkRequested(
        request_id=uuid.uuid4(),
        email="ib@bageriet.example",
        role="company_approver",
        company_id=_COMPANY,
        sealed_link=SealingKeys(dev_sealing_keys()).seal(
            "http://127.0.0.1:8100/auth/login/AbC123",
            context=timesheet.login_link_seal_context("ib@bageriet.example"),
        ),
        expires_at=datetime(2026, 11, 27, 9, 45, tzinfo=UTC),
        locale="da",
    ),
    placement.PageSessionEnded: placement.PageSessionEnded(
        session_id=uuid.uuid4(),
        email="ib@bageriet.example",
        reason="logout",
        ended_at=datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        not_after=datetime(2026, 11, 27, 9, 35, tzinfo=UTC),
    ),
    placement.EmployeeRegistered: placement.EmployeeRegistered(
        citizen_id=_ENTRY, employee_number=1001, employed_from=date(2026, 11, 2)
    ),
    placement.StaffMemberChanged: placement.StaffMemberChanged(
        staff_id=_ENTRY,
        subject="konsulent@vikarmodel.dk",
        name="Karen Konsulent",
        email="konsulent@vikarmodel.dk",
        role="consultant",
        active=True,
        language="da",
    ),
    timesheet.EntriesDeemedApproved: timesheet.EntriesDeemedApproved(
        company_id=_COMPANY,
        due_event_id=_ENTRY,
        deemed_approved_at=datetime(2026, 12, 4, 7, tzinfo=UTC),
        entries=[
            timesheet.DeemedEntry(
                entry_id=_ENTRY,
                placement_id=_PLACEMENT,
                citizen_name="Anna Jensen",
                work_date=date(2026, 11, 24),
                minutes=150,
            )
        ],
    ),
    invoicing.PaymentReminderIssued: invoicing.PaymentReminderIssued(
        reminder_id=_ENTRY,
        invoice_id=_ENTRY,
        company_id=_COMPANY,
        invoice_number="2026-000123",
        reminder_number=1,
        issued_on=date(2026, 12, 16),
        due_date=date(2026, 12, 15),
        pay_by=date(2026, 12, 26),
        outstanding_ore=33_749,
        fee_ore=10_000,
        fees_total_ore=10_000,
        final=False,
    ),
    notifications.DeemedApprovalDue: notifications.DeemedApprovalDue(
        company_id=_COMPANY,
        entries=[notifications.DueEntry(entry_id=_ENTRY, version=2)],
        decided_at=datetime(2026, 12, 4, 7, tzinfo=UTC),
        working_days=5,
    ),
    invoicing.HoursAccrued: invoicing.HoursAccrued(
        entry_id=_ENTRY,
        company_id=_COMPANY,
        work_date=date(2026, 11, 24),
        minutes=150,
        billable_amount_ore=46_875,
        municipality_id=_MUNICIPALITY,
        co_financing_amount_ore=11_250,
    ),
    invoicing.InvoiceIssued: invoicing.InvoiceIssued(
        invoice_id=_ENTRY,
        company_id=_COMPANY,
        number="2026-000123",
        issue_date=date(2026, 12, 1),
        due_date=date(2026, 12, 15),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        net_ore=46_875,
        vat_rate_percent=25,
        vat_ore=11_719,
        total_ore=58_594,
        currency="DKK",
        lines=[
            invoicing.IssuedInvoiceLine(
                citizen_id=_COMPANY,
                rate_ore_per_hour=18_750,
                minutes=150,
                amount_ore=46_875,
                late=False,
                first_work_date=date(2026, 11, 24),
                last_work_date=date(2026, 11, 24),
            )
        ],
    ),
    invoicing.CreditNoteIssued: invoicing.CreditNoteIssued(
        credit_note_id=_ENTRY,
        company_id=_COMPANY,
        number="2026-000124",
        credited_invoice_id=_COMPANY,
        credited_invoice_number="2026-000123",
        issue_date=date(2026, 12, 3),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        net_ore=10_500,
        vat_rate_percent=25,
        vat_ore=2_625,
        total_ore=13_125,
        currency="DKK",
        lines=[
            invoicing.IssuedInvoiceLine(
                citizen_id=_COMPANY,
                rate_ore_per_hour=17_999,
                minutes=30,
                amount_ore=9_000,
                late=False,
                first_work_date=date(2026, 11, 24),
                last_work_date=date(2026, 11, 24),
            ),
            invoicing.IssuedInvoiceLine(
                citizen_id=_COMPANY,
                rate_ore_per_hour=17_000,
                minutes=0,
                amount_ore=1_500,
                late=False,
                first_work_date=date(2026, 11, 24),
                last_work_date=date(2026, 11, 24),
                adjusts_entry_id=_ENTRY,
            ),
        ],
    ),
    invoicing.InvoicePaid: invoicing.InvoicePaid(
        invoice_id=_ENTRY,
        company_id=_COMPANY,
        number="2026-000123",
        owed_ore=131_250,
        paid_ore=131_250,
        paid_on=date(2026, 12, 20),
        method="bank_transfer",
    ),
    invoicing.InvoicePaymentFailed: invoicing.InvoicePaymentFailed(
        invoice_id=_ENTRY, company_id=_COMPANY, number="2026-000123", attempt_count=1, reason="card_declined"
    ),
    invoicing.InvoiceVoided: invoicing.InvoiceVoided(
        invoice_id=_ENTRY,
        company_id=_COMPANY,
        number="2026-000123",
        reason="voided",
        credited_ore=131_250,
        credit_note_id=_COMPANY,
        credit_note_number="2026-000124",
    ),
    invoicing.StatementIssued: invoicing.StatementIssued(
        statement_id=_ENTRY,
        municipality_id=_MUNICIPALITY,
        number="S-2026-000001",
        issue_date=date(2026, 12, 2),
        due_date=date(2026, 12, 30),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        net_ore=27_000,
        vat_category="O",
        vat_rate_percent=0,
        vat_ore=0,
        total_ore=27_000,
        currency="DKK",
        total_minutes=360,
        unique_citizens=1,
        unique_citizens_to_date=4,
        target_unique_citizens=150,
        lines=[
            invoicing.StatementLine(
                citizen_id=_ENTRY,
                citizen_reference="Karin Kandidat (1979)",
                rate_ore_per_hour=4_500,
                minutes=360,
                amount_ore=27_000,
                late=False,
                adjustment=False,
                first_work_date=date(2026, 11, 2),
                last_work_date=date(2026, 11, 27),
            )
        ],
    ),
    invoicing.CorrectionStatementIssued: invoicing.CorrectionStatementIssued(
        statement_id=_COMPANY,
        municipality_id=_MUNICIPALITY,
        number="S-2026-000002",
        corrected_statement_id=_ENTRY,
        corrected_statement_number="S-2026-000001",
        issue_date=date(2027, 1, 4),
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        net_ore=4_500,
        vat_category="O",
        vat_rate_percent=0,
        vat_ore=0,
        total_ore=4_500,
        currency="DKK",
        total_minutes=60,
        lines=[
            invoicing.StatementLine(
                citizen_id=_ENTRY,
                citizen_reference="SAG-2026-0042",
                rate_ore_per_hour=4_500,
                minutes=60,
                amount_ore=4_500,
                late=False,
                adjustment=False,
                first_work_date=date(2026, 11, 5),
                last_work_date=date(2026, 11, 5),
            )
        ],
    ),
    invoicing.PayPeriodClosed: invoicing.PayPeriodClosed(
        pay_period_id=_COMPANY,
        period_kind="monthly",
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        period_label="2026-11",
        closed_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        employees=2,
        blocked_employees=0,
        total_minutes=9_450,
        gross_ore=2_150_625,
        adjustment_gross_ore=0,
        holiday_allowance_basis_points=1_250,
        holiday_allowance_basis_ore=2_150_625,
        holiday_allowance_ore=268_828,
        atp_employee_ore=9_465,
        atp_employer_ore=18_935,
        atp_band_changes=0,
        submitted_minutes=0,
        rejected_minutes=0,
    ),
}


def errors(schema: dict[str, Any], instance: object) -> list[tuple[str, str]]:
    """(path, failed keyword) of every violation, validated by the jsonschema library with formats checked."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(
        (".".join(str(p) for p in e.absolute_path), str(e.validator)) for e in validator.iter_errors(instance)
    )


def _wire(data: EventData) -> dict[str, Any]:
    """The message exactly as the outbox relay puts it on the topic."""
    envelope = Envelope.wrap(data, source=data.topic.split(".")[0], subject=uuid.uuid4(), correlation_id="req-1")
    wire: dict[str, Any] = json.loads(envelope.model_dump_json())
    return wire


def test_there_is_an_example_for_every_registered_event() -> None:
    assert set(EXAMPLES) == set(EVENT_TYPES)


@pytest.mark.parametrize("event", EVENT_TYPES, ids=EVENT_IDS)
def test_example_message_validates_against_the_committed_snapshot(event: type[EventData]) -> None:
    assert errors(_committed(event), _wire(EXAMPLES[event])) == []


@pytest.mark.parametrize("event", EVENT_TYPES, ids=EVENT_IDS)
def test_example_message_round_trips_through_the_readers(event: type[EventData]) -> None:
    wire = _wire(EXAMPLES[event])
    assert message_model(event).model_validate(wire).model_dump(mode="json") == wire
    assert decode(Envelope.model_validate(wire)) == EXAMPLES[event]


def test_snapshot_rejects_a_message_without_a_required_payload_field() -> None:
    wire = _wire(EXAMPLES[timesheet.EntryApproved])
    del wire["data"]["minutes"]
    assert errors(_committed(timesheet.EntryApproved), wire) == [("data", "required")]


def test_snapshot_rejects_a_message_of_another_type_or_version() -> None:
    wire = _wire(EXAMPLES[timesheet.EntryApproved])
    wire["type"], wire["version"] = "timesheet.entry_rejected", 2
    assert errors(_committed(timesheet.EntryApproved), wire) == [("type", "const"), ("version", "const")]


def test_snapshot_rejects_wrong_types_and_formats_in_nested_payloads() -> None:
    wire = _wire(EXAMPLES[timesheet.HoursSubmitted])
    wire["data"]["entries"][0]["minutes"] = "150"
    wire["data"]["entries"][0]["work_date"] = "24/11/2026"
    wire["occurred_at"] = "2026-11-27T09:30:00"
    assert errors(_committed(timesheet.HoursSubmitted), wire) == [
        ("data.entries.0.minutes", "type"),
        ("data.entries.0.work_date", "format"),
        ("occurred_at", "format"),
    ]


# ---------------------------------------------------------------- the CPR never leaves the placement service


def _models_of(module: object) -> list[type[BaseModel]]:
    return [m for _, m in inspect.getmembers(module, inspect.isclass) if issubclass(m, BaseModel)]


def _property_names(node: Any) -> set[str]:
    if isinstance(node, dict):
        names = set(node.get("properties", {})) if isinstance(node.get("properties"), dict) else set()
        return names.union(*(_property_names(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_property_names(v) for v in node))
    return set()


def test_no_placement_event_model_has_a_cpr_field() -> None:
    models = _models_of(placement)
    assert placement.PlacementCreated in models and placement.Approver in models
    offending = [f"{m.__name__}.{name}" for m in models for name in m.model_fields if "cpr" in name.lower()]
    assert offending == []


def test_no_event_message_schema_has_a_cpr_field_at_any_depth() -> None:
    names = set().union(*(_property_names(message_schema(e)) for e in EVENT_TYPES))
    assert "citizen_id" in names
    assert [n for n in names if "cpr" in n.lower()] == []
