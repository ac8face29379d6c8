"""Municipal co-financing statements and correction statements (issue 11)."""
