-- Issue 7, item 4b: logging in to pages (login links, their rate limit, sessions) is the identity owner's
-- (placement, /auth/ on the one origin). The portal verifies the owner's signed page session and records
-- ended sessions in the shared ended_page_sessions (20261130_95); its own tables go. Sessions open now
-- end here: their approvers log in again through /auth/login. No login link is written any more, so no
-- timesheet.login_link_requested row can be waiting in the outbox (the relay deletes them once sent).
drop table portal_login_tokens;
drop table portal_login_requests;
drop table portal_sessions;
