-- One person, two citizen ids (issue 6, item 7): the alias table and its trigger function are shared
-- (vikar_shared/sql/20261130_02_citizen_aliases.sql). Here every table naming a citizen stores a merged
-- id as the kept one, so the 12-hour day is summed over both former identities.
create trigger placements_citizen_alias before insert or update of citizen_id on placements
    for each row execute function citizen_id_of_kept();
create trigger entries_citizen_alias before insert or update of citizen_id on entries
    for each row execute function citizen_id_of_kept();
