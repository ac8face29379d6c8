-- Issue 10, fix F6 (the company Invoices page refused approvers after an upgrade): companies announced before
-- 20261202_50_company_approvers.sql have no rows in company_approvers, and invoicing cannot backfill them (it
-- cannot read placement's database; the earlier company events were consumed by then). So invoicing records
-- per company whether it has ever received the approver list, set true by the company_registered /
-- company_updated handler that stores the list (invoicing.companies.repository.replace_approvers). While false,
-- the portal accepts the page session's signed company_approver claim for that company as the identity owner
-- minted it; once true, the list is enforced at once (services/invoicing/src/invoicing/portal/README.md,
-- "Who may see").
alter table companies add column approvers_known boolean not null default false;

-- A company with approver rows got its list from an event handled since 20261202_50: known. Every other
-- existing company stays unknown (an event since then with no approvers cannot be told from none at all; the
-- owner mints no company_approver session for a company without approvers, so nothing is opened by it).
update companies c set approvers_known = true
 where exists (select 1 from company_approvers a where a.company_id = c.company_id);
