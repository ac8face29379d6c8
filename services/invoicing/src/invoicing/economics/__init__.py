"""What each placement earns the agency (issue 13): revenue from the company and the municipality against the
wage cost, per placement, company, municipality and month, for finance and admins."""
