"""Read model of companies and their approvers, fed by placement.events (the portal reads it)."""
