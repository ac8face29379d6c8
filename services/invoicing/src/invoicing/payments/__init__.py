"""Payments against issued invoices (bank transfers and Stripe), what is owed and paid, overdue invoices."""
