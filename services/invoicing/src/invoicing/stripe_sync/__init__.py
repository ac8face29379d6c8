"""Carrying issued invoices and credit notes to Stripe (issue 10): the sync worker and its state."""
