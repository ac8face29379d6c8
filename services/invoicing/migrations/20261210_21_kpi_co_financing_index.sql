-- Issue 12: a municipality's progress figures sum its co-financing lines per citizen and month through as_of
-- (invoicing.municipality_kpis.repository.citizen_months). Covering the citizen and the minutes lets that read the
-- index alone instead of every line's heap row (bench/municipality_kpis).
create index co_financing_lines_municipality_kpis_idx
    on co_financing_lines (municipality_id, work_date) include (citizen_id, minutes);
