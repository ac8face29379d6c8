-- Issue 13 (part A): the agency employs a citizen when the first placement is created for them and gives them
-- an employee number (medarbejdernummer); payroll and invoicing's pay side know the employee by that number,
-- never by the CPR number (which leaves placement only through the audited, finance-only CPR export).
--
-- Numbers start at 1001 and stay below 100 000 000 (at most 8 digits: never mistaken for a CPR number); they
-- are unique and never reused, not gapless (a rolled-back placement may use one up).
create sequence employee_numbers start 1001 minvalue 1 maxvalue 99999999 no cycle;

alter table citizens
    add column employee_number integer unique check (employee_number between 1 and 99999999),
    -- The first placement's start date (the placement that gave the number); never moved afterwards, so a
    -- CPR export by employment date lists each employee in exactly one range.
    add column employed_from date,
    -- When placement.employee_registered was written to the outbox for the number (null: not yet; the
    -- migrate step of the placement app announces those, which covers the backfill below).
    add column employee_announced_at timestamptz,
    add constraint citizens_employee_number_with_date check ((employee_number is null) = (employed_from is null));

-- Backfill: every citizen who has placements is employed, numbered in the order of their first placement
-- (created_at, then id), employed from that placement's start date.
with firsts as (
    select distinct on (citizen_id) citizen_id, id, start_date, created_at
    from placements
    order by citizen_id, created_at, id
), numbered as (
    select citizen_id, start_date, 1000 + row_number() over (order by created_at, id) as employee_number
    from firsts
)
update citizens c
set employee_number = n.employee_number, employed_from = n.start_date
from numbered n
where c.id = n.citizen_id;

select setval('employee_numbers', coalesce((select max(employee_number) from citizens), 1000));

insert into audit_log (actor, action, subject, details)
select 'migration:20261215_10', 'citizen.employee_number_assigned', id::text,
       jsonb_build_object('employee_number', employee_number, 'employed_from', employed_from)
from citizens
where employee_number is not null;

create index citizens_employed_from_idx on citizens (employed_from) where employed_from is not null;

-- Placements created before this issue: their wage rates were published (placement_created,
-- placement_rates_changed) but invoicing did not store them then. The migrate step of the placement app
-- publishes one placement.placement_rates_changed with all current versions for each placement listed here
-- and sets announced_at, so each is republished once. Placements created from now on are not listed.
create table wage_rates_announcements (
    placement_id  uuid primary key references placements (id),
    announced_at  timestamptz
);

insert into wage_rates_announcements (placement_id) select id from placements;
