-- Issue 6: the mail outbox never holds a login link in clear.
-- A row may carry one sealed secret (AES-256-GCM, vikar_shared.sealing; {"key_id", "nonce", "ciphertext"})
-- with the context it opens in and when it stops mattering. The body holds a placeholder line in its
-- place; the sender opens the secret only to build the message, and the sealed copy is deleted once the
-- e-mail is sent, fails for good, or expires.
alter table outgoing_emails
    add column sealed_secret jsonb,
    add column secret_context text,
    add column secret_expires_at timestamptz,
    add constraint outgoing_emails_secret_complete
        check ((sealed_secret is null) or (secret_context is not null and secret_expires_at is not null));

-- The idle sender's purge of expired secrets reads only rows that still hold one.
create index outgoing_emails_sealed on outgoing_emails (secret_expires_at) where sealed_secret is not null;

-- Login e-mails of version 1 held the link in clear until sent (then blanked); any not yet blanked is
-- blanked now, and one still waiting is given up (its link has expired or soon will: ask for a new one).
update outgoing_emails
set body = '(login link removed)',
    status = case when status = 'pending' then 'failed' else status end,
    last_error = case when status = 'pending' then 'version 1 login e-mail withdrawn: it held the link in clear'
                      else last_error end
where kind = 'login_link' and body <> '(login link removed after sending)';
