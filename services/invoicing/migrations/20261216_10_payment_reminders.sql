-- Issue 14 (part E): payment reminders (rykkere) issued by invoicing's daily schedule (invoicing.payment_reminders),
-- beside the reminders finance records by hand (issue 10, POST /invoices/{id}/reminders). One table for both, so
-- the rules of renteloven § 9 b count every reminder of an invoice: the first only after the due date, then at least
-- 10 days apart, a fee (at most 100 kr = 10 000 øre) on at most three. The fees are the company's debt recorded
-- here: they never change the invoice's total, its account (invoice_accounts) or invoicing.invoice_paid.
-- unique (invoice_id, reminder_number) is the table's primary key (20261202_10): a reminder is numbered once.

-- The schedule may send more reminders before collection than three (a setting); only the first three carry a fee.
alter table payment_reminders drop constraint payment_reminders_reminder_number_check;
alter table payment_reminders add constraint payment_reminders_reminder_number_check
    check (reminder_number between 1 and 10);
alter table payment_reminders add constraint payment_reminders_fee_on_three_at_most
    check (reminder_number <= 3 or fee_ore = 0);

-- The id of invoicing.payment_reminder_issued (its reminder_id); hand-recorded ones get one too.
alter table payment_reminders add column reminder_id uuid not null default gen_random_uuid();
alter table payment_reminders add constraint payment_reminders_reminder_id_key unique (reminder_id);
-- 'manual': recorded by finance (issue 10); 'scheduled': issued by the daily schedule (with an event).
alter table payment_reminders add column source text not null default 'manual'
    check (source in ('manual', 'scheduled'));
-- A scheduled reminder: the new deadline, what was outstanding on the invoice when it was issued (øre, fees not
-- included) and whether it is the last before collection (its mail warns of further costs).
alter table payment_reminders add column pay_by date;
alter table payment_reminders add column outstanding_ore bigint;
alter table payment_reminders add column final boolean not null default false;
alter table payment_reminders add constraint payment_reminders_scheduled_complete
    check (source = 'manual' or (pay_by is not null and outstanding_ore is not null));

-- The list of reminders by day issued (finance's GET /payment-reminders).
create index payment_reminders_sent_on_idx on payment_reminders (sent_on);
