"""Login links: placement (the identity owner) asks (PageLoginLinkRequested), this service e-mails the link to the
approver or municipality user."""
