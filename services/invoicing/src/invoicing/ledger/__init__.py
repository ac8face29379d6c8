"""The ledger: billing-period closes, draft and issued invoices, one gap-free number sequence."""
