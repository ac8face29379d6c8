-- The rest of an agreement version: the target figure, where the municipality receives e-invoices
-- (EAN/GLN, GS1 check digit validated by the service) and the reference it wants on documents.
alter table municipality_terms
    add column target_unique_citizens integer check (target_unique_citizens > 0),
    add column ean                    char(13) check (ean ~ '^[0-9]{13}$'),
    add column person_reference       text check (length(person_reference) between 1 and 100);
