-- Issue 13: what the pay side reads besides approved hours. Wage rates are written by invoicing.accruals (from
-- placement's placement_created and placement_rates_changed, which carry them); employees and unapproved entries
-- by invoicing.pay_inputs. Wage rates are for finance: no page shows them here.

-- The wage rate (øre per hour) of placement_created; null: no wage rate stated.
alter table placements add column wage_rate_ore_per_hour bigint check (wage_rate_ore_per_hour >= 0);
-- Each rate version's wage (null: no wage rate in force from that version's date).
alter table placement_bill_rates add column wage_rate_ore_per_hour bigint check (wage_rate_ore_per_hour >= 0);
-- Raised (from wage_rate_change_seq) whenever a rates event changes any wage version of the placement: a pay close
-- re-prices the paid entries only of placements changed since the previous close (its wage_rates_seen_seq).
create sequence wage_rate_change_seq;
alter table placements add column wage_rates_changed_seq bigint;

-- placement.employee_registered: the employee number placement assigned when the citizen was first placed.
create table employees (
    citizen_id       uuid primary key,
    employee_number  integer not null unique check (employee_number between 1 and 99999999),
    employed_from    date not null,
    recorded_at      timestamptz not null default now()
);

-- timesheet.hours_submitted / entry_changed / entry_rejected: hours worked but not approved (wages are owed for
-- hours worked; finance decides). An entry that was approved is excluded at read time (approved_entries).
-- status_at is the event's occurred_at: an older event never overwrites a newer one.
create table unapproved_entries (
    entry_id           uuid primary key,
    placement_id       uuid not null,
    company_id         uuid not null,
    work_date          date not null,
    minutes            integer not null,
    corrects_entry_id  uuid,
    status             text not null check (status in ('submitted', 'rejected')),
    status_at          timestamptz not null
);
create index unapproved_entries_work_date_idx on unapproved_entries (work_date, placement_id);
