"""A municipality's progress against its agreement as of any date (issue 12): unique citizens against the
target, co-financed hours per month, placements started and ended with their end reasons, and retention 30
and 90 days after each citizen's first day."""
