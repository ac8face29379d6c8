-- Issue 11: municipal co-financing statements and their Peppol BIS Billing 3.0 documents.
-- Money integer øre, time integer minutes.

-- The terms read model learns what a statement needs from the agreement (placement.municipality_terms_set).
-- Null where the agreement does not say: statement_period null is monthly, citizen_reference null is
-- name_birth_year; the VAT fields and the payment means have no default (issuing refuses a statement whose
-- terms leave them unstated: momsloven § 27, stk. 1 is each agency's question).
alter table municipality_terms
    add column target_unique_citizens   integer,
    add column ean                      text,
    add column person_reference         text,
    add column statement_period         text check (statement_period in ('monthly', 'quarterly')),
    add column citizen_reference        text check (citizen_reference in ('case_number', 'name_birth_year')),
    add column address                  jsonb,
    add column rate_excludes_vat        boolean,
    add column vat_category             text check (vat_category in ('S', 'E', 'O')),
    add column vat_exemption_reason     text,
    add column payment_means_code       text,
    add column payee_iban               text,
    add column payee_bank_registration  text,
    add column payee_bank_account       text;

-- The referrals read model (placement.citizen_referred): what a statement may identify a citizen by, never a
-- CPR number (invoicing never has one). The latest referral of a citizen by a municipality names it.
create table referrals (
    referral_id      uuid primary key,
    citizen_id       uuid not null,
    citizen_name     text not null,
    municipality_id  uuid not null,
    referred_on      date not null,
    case_number      text,
    birth_year       integer check (birth_year between 1900 and 2100),
    recorded_seq     bigint generated always as identity
);
create index referrals_citizen_municipality_idx on referrals (citizen_id, municipality_id, referred_on);
create trigger referrals_citizen_alias before insert or update of citizen_id on referrals
    for each row execute function citizen_id_of_kept();

-- One run of the statement run (POST /statement-runs, through a date): what it drafted is on statements.run_id.
create table statement_runs (
    run_id                  uuid primary key,
    through                 date not null,
    requested_by            text not null,
    started_at              timestamptz not null default now(),
    finished_at             timestamptz,
    municipalities_total    integer not null default 0,
    municipalities_done     integer not null default 0,
    statements_drafted      integer not null default 0
);

-- The last day of the last statement period drafted for a municipality: a co-financing line with a work date on
-- or before it that is on no statement is late and goes on the municipality's next statement.
create table municipality_stated_periods (
    municipality_id  uuid primary key,
    stated_through   date not null,
    updated_at       timestamptz not null default now()
);

-- A statement (document_type 'statement') or a correction statement (crediting one issued statement, positive
-- amounts, a Peppol CreditNote). Drafts are reviewed and issued by finance; issued ones are facts.
create table statements (
    statement_id             uuid primary key,
    municipality_id          uuid not null,
    document_type            text not null check (document_type in ('statement', 'correction_statement')),
    corrects_statement_id    uuid references statements (statement_id),
    status                   text not null check (status in ('draft', 'issued')),
    period_kind              text not null check (period_kind in ('monthly', 'quarterly')),
    period_start             date not null,
    period_end               date not null check (period_end >= period_start),
    run_id                   uuid references statement_runs (run_id),
    -- The terms version in force on period_end: the buyer's details, VAT and payment means come from it.
    terms_id                 uuid not null references municipality_terms (terms_id),
    net_ore                  bigint not null,
    total_minutes            integer not null,
    unique_citizens          integer not null check (unique_citizens >= 0),
    unique_citizens_to_date  integer not null check (unique_citizens_to_date >= 0),
    target_unique_citizens   integer,
    currency                 char(3) not null default 'DKK',
    created_at               timestamptz not null default now(),
    -- Set when issued, frozen from then on.
    number                   text unique check (number ~ '^S-[0-9]{4}-[0-9]{6}$'),
    issue_date               date,
    due_date                 date,
    issued_at                timestamptz,
    issued_by                text,
    vat_category             text check (vat_category in ('S', 'E', 'O')),
    vat_rate_percent         integer check (vat_rate_percent >= 0),
    vat_exemption_reason     text,
    rate_excludes_vat        boolean,
    vat_ore                  bigint,
    total_ore                bigint,
    seller                   jsonb,
    buyer                    jsonb,
    payment_means            jsonb,
    check ((status = 'issued') = (number is not null)),
    check (status = 'draft' or (issue_date is not null and due_date is not null and issued_at is not null
                                and vat_category is not null and vat_rate_percent is not null
                                and rate_excludes_vat is not null and vat_ore is not null
                                and total_ore = net_ore + vat_ore and seller is not null and buyer is not null
                                and payment_means is not null)),
    check ((document_type = 'correction_statement') = (corrects_statement_id is not null))
);
-- One statement per municipality and period: a run twice drafts nothing twice.
create unique index statements_one_per_municipality_period on statements (municipality_id, period_start)
    where document_type = 'statement';
create index statements_municipality_idx on statements (municipality_id, period_start);
create index statements_status_idx on statements (status, municipality_id);
create index statements_corrects_idx on statements (corrects_statement_id) where corrects_statement_id is not null;

-- One line per citizen and rate (late lines also per original work date; adjustment lines per adjusted rate):
-- minutes and amounts are plain sums of the co-financing lines' amounts (each rounded once when accrued).
-- citizen_reference is what the agreement chose (case number, or name and birth year), never a CPR number.
create table statement_lines (
    statement_id       uuid not null references statements (statement_id) on delete cascade,
    position           integer not null,
    citizen_id         uuid not null,
    citizen_reference  text not null,
    rate_ore_per_hour  bigint not null,
    minutes            integer not null,
    amount_ore         bigint not null,
    late               boolean not null,
    adjustment         boolean not null default false,
    first_work_date    date not null,
    last_work_date     date not null,
    primary key (statement_id, position)
);

-- The co-financing lines behind each statement line: one statement at most per line (primary key); deleting a
-- draft (cascade through its lines) returns them to the pool.
create table statement_entries (
    entry_id      uuid primary key references co_financing_lines (entry_id),
    statement_id  uuid not null,
    position      integer not null,
    foreign key (statement_id, position) references statement_lines (statement_id, position) on delete cascade
);
create index statement_entries_statement_idx on statement_entries (statement_id);

-- The co-financing adjustments (retroactive rate changes) behind each adjustment line: one statement at most each.
create table statement_adjustments (
    adjustment_id  uuid primary key references co_financing_adjustments (adjustment_id),
    statement_id   uuid not null,
    position       integer not null,
    foreign key (statement_id, position) references statement_lines (statement_id, position) on delete cascade
);
create index statement_adjustments_statement_idx on statement_adjustments (statement_id);

-- The agency's one gap-free sequence of statements and correction statements per calendar year (S-YYYY-NNNNNN),
-- apart from the invoices' sequence (a second series: the company invoices stay gap-free in the bookkeeping
-- export). Incremented by the issuing transaction, so a rolled-back issue leaves no gap.
create table statement_number_counters (
    year         integer primary key check (year between 2000 and 2100),
    last_number  integer not null check (last_number between 1 and 999999)
);

create function refuse_change_of_issued_statement() returns trigger language plpgsql as $$
declare
    issued boolean;
begin
    if tg_table_name = 'statements' then
        issued := old.status = 'issued';
    else
        select status = 'issued' into issued from statements where statement_id = old.statement_id;
    end if;
    if coalesce(issued, false) then
        raise exception 'statement % is issued and cannot be changed or deleted', old.statement_id
            using errcode = 'integrity_constraint_violation';
    end if;
    return case when tg_op = 'DELETE' then old else new end;
end;
$$;
create trigger statements_issued_are_facts before update or delete on statements
    for each row execute function refuse_change_of_issued_statement();
create trigger statement_lines_issued_are_facts before update or delete on statement_lines
    for each row execute function refuse_change_of_issued_statement();
create trigger statement_entries_issued_are_facts before update or delete on statement_entries
    for each row execute function refuse_change_of_issued_statement();
create trigger statement_adjustments_issued_are_facts before update or delete on statement_adjustments
    for each row execute function refuse_change_of_issued_statement();

-- The stored documents of an issued statement: its PDF (application/pdf) and its Peppol BIS 3 UBL document
-- (application/xml, validated before it is stored). Facts like the statement: never changed or deleted.
create table statement_documents (
    statement_id  uuid not null references statements (statement_id),
    media_type    text not null check (media_type in ('application/pdf', 'application/xml')),
    content       bytea not null check (length(content) > 0),
    sha256        bytea not null check (length(sha256) = 32),
    size_bytes    integer not null check (size_bytes = length(content)),
    renderer      text not null,
    rendered_at   timestamptz not null default now(),
    primary key (statement_id, media_type)
);
create function refuse_change_of_statement_document() returns trigger language plpgsql as $$
begin
    raise exception 'the documents of statement % are facts and cannot be changed or deleted', old.statement_id
        using errcode = 'integrity_constraint_violation';
end;
$$;
create trigger statement_documents_are_facts before update or delete on statement_documents
    for each row execute function refuse_change_of_statement_document();

-- Statements whose documents are still to render: written in the issuing transaction (trigger), deleted by the
-- worker's job in the transaction that stores them; a failed render is retried later (due_at).
create table statement_documents_due (
    statement_id  uuid primary key references statements (statement_id),
    due_at        timestamptz not null default now(),
    attempts      integer not null default 0,
    last_error    text
);
create index statement_documents_due_at_idx on statement_documents_due (due_at);
create function queue_statement_documents() returns trigger language plpgsql as $$
begin
    insert into statement_documents_due (statement_id) values (new.statement_id) on conflict (statement_id) do nothing;
    return null;
end;
$$;
create trigger statements_issued_queue_documents after update of status on statements
    for each row when (old.status = 'draft' and new.status = 'issued')
    execute function queue_statement_documents();

-- That a statement's Peppol document was sent (the access point's transport is outside this service: whoever
-- sends it records it here, with the access point's message id). Append-only.
create table statement_deliveries (
    delivery_id   uuid primary key,
    statement_id  uuid not null references statements (statement_id),
    channel       text not null check (channel in ('peppol', 'email', 'post')),
    reference     text,
    sent_at       timestamptz not null,
    recorded_by   text not null,
    recorded_at   timestamptz not null default now()
);
create index statement_deliveries_statement_idx on statement_deliveries (statement_id);
