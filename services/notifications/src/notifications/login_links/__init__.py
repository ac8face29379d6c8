"""Portal login links: timesheet asks (LoginLinkRequested), this service e-mails the link to the approver."""
