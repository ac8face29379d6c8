"""Pay periods (issue 13): the wage basis per employee from approved hours at the wage rate in force on each
work date, holiday allowance, ATP bands, closed like billing periods and immutable once closed; adjustments of
closed periods land in the next one. Exported as CSV and JSON for the payroll system."""
