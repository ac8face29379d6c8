"""Stripe webhooks (issue 10): the signed endpoint, the inbox keyed by Stripe event id, the processing job."""
