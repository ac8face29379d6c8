"""The documents of statements (issue 11): PDF, CSV, JSON and the stored Peppol UBL, and the job rendering them."""
