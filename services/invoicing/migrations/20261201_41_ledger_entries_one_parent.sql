-- Issue 9 (bench/close): an invoice entry's invoice is already guaranteed through its line
-- (invoice_entries (invoice_id, position) -> invoice_lines -> invoices, each on delete cascade), so the direct
-- foreign key to invoices checked the same thing a second time for every entry a close drafts (a third of
-- the foreign-key work of the close's largest insert). Deleting a draft still takes its entries with it,
-- through its lines.
alter table invoice_entries drop constraint invoice_entries_invoice_id_fkey;
