-- One person, two citizen ids (issue 6, item 7): the alias table and its trigger function are shared
-- (vikar_shared/sql/20261130_02_citizen_aliases.sql). Here every table naming a citizen stores a merged
-- id as the kept one, so a co-financing statement counts the person once among its unique citizens
-- (lines are accrued from the placements read model, so both carry the trigger).
create trigger placements_citizen_alias before insert or update of citizen_id on placements
    for each row execute function citizen_id_of_kept();
create trigger billable_lines_citizen_alias before insert or update of citizen_id on billable_lines
    for each row execute function citizen_id_of_kept();
create trigger co_financing_lines_citizen_alias before insert or update of citizen_id on co_financing_lines
    for each row execute function citizen_id_of_kept();
