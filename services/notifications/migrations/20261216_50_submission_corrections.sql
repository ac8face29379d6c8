-- Issue 14 (fix): the "hours await your approval" mail marks a correction line (an entry correcting an earlier
-- one, negative minutes allowed) as a correction; the submitted entry keeps which entry it corrects.
alter table submission_entries add column corrects_entry_id uuid;
