-- Issue 9 (the ledger): closes, draft and issued invoices, their lines and the entries behind each line,
-- the companies' closed periods and the gap-free invoice number counter. Money integer øre, time minutes.

-- One run of close(through): what it drafted is on invoices.close_id; pending_entries lists the approved
-- entries it found still waiting for their placement or municipality terms.
create table closes (
    close_id          uuid primary key,
    through           date not null,
    requested_by      text not null,
    started_at        timestamptz not null default now(),
    finished_at       timestamptz,
    companies_total   integer not null default 0,
    companies_done    integer not null default 0,
    invoices_drafted  integer not null default 0,
    pending_entries   jsonb not null default '[]'
);

-- The last day of the last period drafted for a company: a line with a work date on or before it that is
-- on no invoice is late (approved after its period was invoiced) and goes on the company's next draft.
create table company_closed_periods (
    company_id      uuid primary key,
    closed_through  date not null,
    updated_at      timestamptz not null default now()
);

create table invoices (
    invoice_id          uuid primary key,
    company_id          uuid not null,
    status              text not null check (status in ('draft', 'issued')),
    billing_period      text not null check (billing_period in ('monthly', 'fortnightly', 'weekly')),
    period_start        date not null,
    period_end          date not null check (period_end >= period_start),
    close_id            uuid references closes (close_id),
    net_ore             bigint not null,
    vat_rate_percent    integer not null,
    vat_ore             bigint not null,
    total_ore           bigint not null check (total_ore = net_ore + vat_ore),
    currency            char(3) not null default 'DKK',
    created_at          timestamptz not null default now(),
    -- Set when issued (momsbekendtgørelsen § 58), frozen from then on.
    number              text unique check (number ~ '^[0-9]{4}-[0-9]{6}$'),
    issue_date          date,
    due_date            date,
    payment_terms_days  integer,
    issued_at           timestamptz,
    issued_by           text,
    seller              jsonb,
    buyer               jsonb,
    check ((status = 'issued') = (number is not null)),
    check (status = 'draft' or (issue_date is not null and due_date is not null and seller is not null
                                and buyer is not null and payment_terms_days is not null)),
    -- One invoice per company and period: a close run twice drafts nothing twice.
    unique (company_id, period_start)
);
create index invoices_status_company_idx on invoices (status, company_id, period_start);
create index invoices_close_idx on invoices (close_id);

-- One line per citizen and rate (late lines also per original work date): minutes and amounts are plain
-- sums of the entries' billable lines, never re-rounded.
create table invoice_lines (
    invoice_id         uuid not null references invoices (invoice_id) on delete cascade,
    position           integer not null,
    citizen_id         uuid not null,
    citizen_name       text not null,
    rate_ore_per_hour  bigint not null,
    minutes            integer not null,
    amount_ore         bigint not null,
    late               boolean not null,
    first_work_date    date not null,
    last_work_date     date not null,
    primary key (invoice_id, position)
);

-- The entries behind each line: an approved entry is on at most one invoice (primary key), so deleting a
-- draft (cascade) returns its entries to the pool.
create table invoice_entries (
    entry_id    uuid primary key references billable_lines (entry_id),
    invoice_id  uuid not null references invoices (invoice_id) on delete cascade,
    position    integer not null,
    foreign key (invoice_id, position) references invoice_lines (invoice_id, position) on delete cascade
);
create index invoice_entries_invoice_idx on invoice_entries (invoice_id);

-- One gap-free number sequence per calendar year shared by invoices and credit notes: the issuing
-- transaction increments the row (locking it until commit), so a rolled-back issue leaves no gap
-- (a PostgreSQL sequence would).
create table invoice_number_counters (
    year         integer primary key check (year between 2000 and 2100),
    last_number  integer not null check (last_number between 1 and 999999)
);

-- An issued invoice is a fact: its row, lines and entries can no longer change (the service answers 409
-- before ever getting here; this keeps any other path from doing it).
create function refuse_change_of_issued_invoice() returns trigger language plpgsql as $$
declare
    issued boolean;
begin
    if tg_table_name = 'invoices' then
        issued := old.status = 'issued';
    else
        select status = 'issued' into issued from invoices where invoice_id = old.invoice_id;
    end if;
    if coalesce(issued, false) then
        raise exception 'invoice % is issued and cannot be changed or deleted', old.invoice_id
            using errcode = 'integrity_constraint_violation';
    end if;
    return case when tg_op = 'DELETE' then old else new end;
end;
$$;
create trigger invoices_issued_are_facts before update or delete on invoices
    for each row execute function refuse_change_of_issued_invoice();
create trigger invoice_lines_issued_are_facts before update or delete on invoice_lines
    for each row execute function refuse_change_of_issued_invoice();
create trigger invoice_entries_issued_are_facts before update or delete on invoice_entries
    for each row execute function refuse_change_of_issued_invoice();
