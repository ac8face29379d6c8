-- Issue 12: the progress figures' read model names citizens, so a merged id is stored as the kept one (the shared
-- trigger function of 20261130_02; invoicing.citizens.handlers re-points rows written before the merge).
create trigger kpi_placements_citizen_alias before insert or update of citizen_id on kpi_placements
    for each row execute function citizen_id_of_kept();
create trigger kpi_first_days_citizen_alias before insert or update of citizen_id on kpi_first_days
    for each row execute function citizen_id_of_kept();
