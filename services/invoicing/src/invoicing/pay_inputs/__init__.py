"""What the pay side reads besides approved hours (issue 13): employees (placement's employee numbers) and
hours submitted or rejected but not approved (timesheet's events), as read models."""
