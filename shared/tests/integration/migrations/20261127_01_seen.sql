create table seen (event_id uuid primary key, company_id uuid not null, name text not null);
