"""The company approval portal's Invoices page (issue 10), served by invoicing under /portal/invoices."""
