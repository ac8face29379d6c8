"""Hour entries: submission by agency staff, approval or rejection by the company."""
