-- Issue 6: no usable secret in a stored table or outbox row.
-- The session's CSRF token is no longer stored: it is derived from the session id (SHA-256 with a
-- domain prefix, portal/models.py csrf_token_for), which only the cookie holds; the row keeps the
-- id's SHA-256 only. Sessions open now keep working (their forms get the derived token on the next page).
alter table portal_sessions drop column csrf_token;

-- Login links of version 1 carried the link in clear; they stayed in the outbox after publication.
-- Version 2 carries them sealed and the relay deletes the row once published; the old rows go now.
delete from outbox where envelope->>'type' = 'timesheet.login_link_requested';
