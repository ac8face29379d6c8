-- Issue 6: a municipality is one by its name whatever its letter case or Unicode form ("Aalborg",
-- "aalborg" and full-width "Ａａｌｂｏｒｇ" are one): the duplicate rule compares name_key, the NFKC form in
-- lower case, and a unique index enforces it (a second registration is 409 municipality-exists).
alter table municipalities add column name_key text generated always as (lower(normalize(name, NFKC))) stored;

-- Names registered twice this way before the rule: the first registered (created_at, then id) stays the
-- municipality of its name; each later one is kept as it is, with its terms, referrals and openings (other
-- services know it by id, so nothing is moved or lost), marked duplicate_of the first and audited. Merging
-- them is an agency decision, not a migration's.
alter table municipalities add column duplicate_of uuid references municipalities (id);

with ranked as (
    select id, first_value(id) over (partition by name_key order by created_at, id) as first_id
    from municipalities
)
update municipalities m set duplicate_of = r.first_id
from ranked r
where m.id = r.id and r.first_id <> m.id;

insert into audit_log (actor, action, subject, details)
select 'migration:20261130_80', 'municipality.marked_duplicate', id::text,
       jsonb_build_object('name', name, 'duplicate_of', duplicate_of)
from municipalities
where duplicate_of is not null;

create unique index municipalities_name_key_idx on municipalities (name_key) where duplicate_of is null;
