-- A submitted entry, not decided yet, may be changed (PUT /entries/{id}, issue 6): it stays submitted in
-- its submission, its version goes up, and the change is written to its history as 'changed'.
alter table entry_history drop constraint entry_history_action_check;
alter table entry_history add constraint entry_history_action_check
    check (action in ('submitted', 'resubmitted', 'changed', 'approved', 'rejected', 'corrected'));
