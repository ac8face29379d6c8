-- Issue 9 (invoice documents): the PDF of every issued invoice, rendered after the issuing transaction by the
-- worker's document job, stored here with its SHA-256; and the queue of invoices whose document is due.

-- One document per issued invoice (primary key: rendering twice stores one). A document is a fact like the
-- invoice it shows: never changed or deleted (the trigger below).
create table invoice_documents (
    invoice_id   uuid primary key references invoices (invoice_id),
    media_type   text not null default 'application/pdf',
    content      bytea not null check (length(content) > 0),
    sha256       bytea not null check (length(sha256) = 32),
    size_bytes   integer not null check (size_bytes = length(content)),
    renderer     text not null,
    rendered_at  timestamptz not null default now()
);

create function refuse_change_of_invoice_document() returns trigger language plpgsql as $$
begin
    raise exception 'the document of invoice % is a fact and cannot be changed or deleted', old.invoice_id
        using errcode = 'integrity_constraint_violation';
end;
$$;
create trigger invoice_documents_are_facts before update or delete on invoice_documents
    for each row execute function refuse_change_of_invoice_document();

-- Invoices whose document is still to render. A row is written in the issuing transaction itself (the
-- trigger below, on the draft -> issued transition), so an issued invoice always gets its document, even
-- when the process dies right after the commit; the job deletes the row in the transaction that stores the
-- document. A failed render is retried later (due_at), its error class kept (never personal data).
create table invoice_documents_due (
    invoice_id  uuid primary key references invoices (invoice_id),
    due_at      timestamptz not null default now(),
    attempts    integer not null default 0,
    last_error  text
);
create index invoice_documents_due_at_idx on invoice_documents_due (due_at);

create function queue_invoice_document() returns trigger language plpgsql as $$
begin
    insert into invoice_documents_due (invoice_id) values (new.invoice_id) on conflict (invoice_id) do nothing;
    return null;
end;
$$;
create trigger invoices_issued_queue_document after update of status on invoices
    for each row when (old.status = 'draft' and new.status = 'issued')
    execute function queue_invoice_document();

-- Invoices issued before this migration get their document too.
insert into invoice_documents_due (invoice_id)
select i.invoice_id from invoices i where i.status = 'issued'
on conflict (invoice_id) do nothing;
