"""Use cases of identity: login links, the rate limit, page sessions and their end. Each takes the
caller's connection and never commits, so a session's end and its ``PageSessionEnded`` event are written
in one transaction (with the removal of an approver or a municipality user, when that is why it ended).

Who may log in comes from the directory of people: the approvers of ``placement.companies`` (read through
:mod:`placement.companies.directory`) and the municipality users of ``placement.agreements`` (read through
:mod:`placement.agreements.directory`, issue 12)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

import asyncpg

from placement.agreements import directory as municipalities
from placement.companies import directory
from placement.identity import repository
from placement.identity.models import (
    EndReason,
    LinkState,
    LoginLinkUnusableError,
    LoginPolicy,
    LoginRateLimitedError,
    NoSessionError,
    Opened,
    Person,
    Session,
    access_claims,
    csrf_for,
    digest,
    landing,
    link_state,
    login_link,
    login_wait,
    new_secret,
    normalise_email,
    retry_after_seconds,
    safe_next,
    usable_secret,
)
from vikar_shared.auth.principal import Role
from vikar_shared.events.placement import PageLoginLinkRequested, PageSessionEnded
from vikar_shared.events.timesheet import login_link_seal_context
from vikar_shared.identity.tokens import mint_page_session
from vikar_shared.outbox import add_event
from vikar_shared.sealing import SealingKeys

SOURCE = "placement"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Signer:
    """The identity owner's Ed25519 private key (PKCS#8 PEM) and its key id (``kid``)."""

    private_key_pem: str
    key_id: str

    def mint(self, session: Session, csrf: str, now: datetime, policy: LoginPolicy) -> tuple[str, Opened]:
        claims = access_claims(session, csrf, now, policy.access_ttl)
        token = mint_page_session(claims, private_key_pem=self.private_key_pem, key_id=self.key_id)
        return token, Opened(session=session, access_token=token, claims=claims, refresh_secret=None, next_path="")


async def request_login_links(
    conn: asyncpg.Connection,
    *,
    email: str,
    client: str,
    language: str,
    next_path: str | None,
    now: datetime,
    policy: LoginPolicy,
    base_url: str,
    sealer: SealingKeys,
) -> int:
    """Counts the request against the rate limit and issues a single-use link (256 random bits,
    ``policy.link_ttl``) for every company naming ``email`` as an approver (role ``company_approver``) and every
    municipality listing it as a user (role ``municipality``), asking notifications to mail each
    (``PageLoginLinkRequested`` with the person's name there and, for a municipality, its name). Returns how
    many links were issued; the caller must answer the same whatever the number (no account enumeration).

    The token exists in clear only here and in the mail: ``identity_login_tokens`` keeps its SHA-256, and
    ``PageLoginLinkRequested`` carries the link sealed by ``sealer`` for the address (only notifications
    holds the key to open it); the outbox row is deleted once published.

    Raises LoginRateLimitedError (with the seconds to wait) when the address or the client asked too
    often lately (``policy``: a capped backoff, never a lockout); a refused request is not counted."""
    await repository.lock_login_requests(conn, email, client)
    since = now - policy.window
    by_email, by_client = await repository.recent_requests(conn, email, client, since)
    wait = login_wait(by_email, by_client, policy, now)
    if wait.total_seconds() > 0:
        raise LoginRateLimitedError(retry_after_seconds(wait))
    await repository.record_request(conn, email, client, now, since)
    people: list[tuple[Person, str | None, str | None]] = [
        (Person(email=email, role=Role.COMPANY_APPROVER, company_id=company_id), None, name)
        for company_id, name in (await directory.approver_names(conn, email)).items()
    ]
    people += [
        (
            Person(email=email, role=Role.MUNICIPALITY, municipality_id=listing.municipality_id),
            listing.municipality_name,
            listing.person_name,
        )
        for listing in await municipalities.municipalities_listing(conn, email)
    ]
    for person, municipality_name, person_name in people:
        token = new_secret()
        expires_at = now + policy.link_ttl
        await repository.insert_login_token(
            conn,
            token_hash=digest(token),
            person=person,
            language=language,
            next_path=safe_next(next_path),
            now=now,
            expires_at=expires_at,
        )
        event = PageLoginLinkRequested(
            request_id=uuid.uuid4(),
            email=email,
            role=person.role.value,
            company_id=person.company_id,
            municipality_id=person.municipality_id,
            municipality_name=municipality_name,
            person_name=person_name,
            sealed_link=sealer.seal(login_link(base_url, token), context=login_link_seal_context(email)),
            expires_at=expires_at,
            locale=language,
        )
        await add_event(conn, event, source=SOURCE, subject=event.request_id, key=event.request_id)
    return len(people)


async def inspect_link(conn: asyncpg.Connection, token: str, now: datetime) -> tuple[LinkState, str | None]:
    """What the link is worth now, without using it (so a mail scanner's GET does not burn it), and the
    address it is for."""
    if not usable_secret(token):
        return LinkState.UNKNOWN, None
    found = await repository.find_login_token(conn, digest(token))
    if found is None:
        return LinkState.UNKNOWN, None
    return link_state(found=True, used_at=found.used_at, expires_at=found.expires_at, now=now), found.person.email


async def _has_access(conn: asyncpg.Connection, person: Person) -> bool:
    """Whether the directory still lets ``person`` in: an approver still listed for the company, a municipality
    user still listed for the municipality."""
    if person.role is Role.COMPANY_APPROVER and person.company_id is not None:
        return await directory.approves_for(conn, person.company_id, person.email)
    if person.role is Role.MUNICIPALITY and person.municipality_id is not None:
        return await municipalities.is_municipality_user(conn, person.municipality_id, person.email)
    return False


async def confirm_login(
    conn: asyncpg.Connection, token: str, now: datetime, policy: LoginPolicy, signer: Signer
) -> Opened:
    """Uses the link (once) and opens a session for its person: the new refresh secret (only its SHA-256
    is stored), the first access token, and where to go (the link's ``next``; a municipality user whose link
    carries the default one lands on the municipality's pages, see ``models.landing``).

    Raises LoginLinkUnusableError: ``used`` / ``expired`` (410 pages), ``unknown`` (404; also when the
    person lost access since the link was sent)."""
    if not usable_secret(token):
        raise LoginLinkUnusableError(LinkState.UNKNOWN)
    token_hash = digest(token)
    used = await repository.use_login_token(conn, token_hash, now)
    if used is None:
        found = await repository.find_login_token(conn, token_hash)
        state = (
            LinkState.UNKNOWN
            if found is None
            else link_state(found=True, used_at=found.used_at, expires_at=found.expires_at, now=now)
        )
        raise LoginLinkUnusableError(LinkState.UNKNOWN if state is LinkState.VALID else state)
    if not await _has_access(conn, used.person):
        raise LoginLinkUnusableError(LinkState.UNKNOWN)
    session = Session(
        session_id=uuid.uuid4(),
        person=used.person,
        language=used.language,
        created_at=now,
        expires_at=now + policy.session_ttl,
    )
    refresh_secret = new_secret()
    await repository.insert_session(conn, refresh_hash=digest(refresh_secret), session=session)
    _, opened = signer.mint(session, csrf_for(refresh_secret), now, policy)
    return replace(opened, refresh_secret=refresh_secret, next_path=landing(used.person, used.next_path))


async def refresh(
    conn: asyncpg.Connection,
    refresh_secret: str | None,
    now: datetime,
    policy: LoginPolicy,
    signer: Signer,
    language: str | None = None,
) -> Opened:
    """A new access token for the session behind ``refresh_secret``, if it is live (not ended, not
    expired) and its person still has access; ``language`` (``da``/``en``), when given, becomes the
    session's. Raises NoSessionError otherwise (the caller sends the browser to login)."""
    if refresh_secret is None or not usable_secret(refresh_secret):
        raise NoSessionError()
    session = await repository.session_by_refresh(conn, digest(refresh_secret))
    if session is None or not session.live(now) or not await _has_access(conn, session.person):
        raise NoSessionError()
    if language is not None and language != session.language:
        await repository.set_language(conn, session.session_id, language)
        session = replace(session, language=language)
    _, opened = signer.mint(session, csrf_for(refresh_secret), now, policy)
    return opened


async def _announce_end(conn: asyncpg.Connection, session: Session, reason: EndReason, now: datetime) -> None:
    event = PageSessionEnded(
        session_id=session.session_id,
        email=session.person.email,
        reason=reason.value,
        ended_at=now,
        not_after=session.not_after(now),
    )
    await add_event(conn, event, source=SOURCE, subject=session.session_id, key=session.session_id)


async def logout(conn: asyncpg.Connection, session_id: UUID, now: datetime) -> bool:
    """Ends the session (reason ``logout``) and writes ``PageSessionEnded``; False when it had already
    ended or expired (nothing written)."""
    session = await repository.session_by_id(conn, session_id)
    if session is None or not await repository.end_session(conn, session_id, EndReason.LOGOUT, now):
        return False
    await _announce_end(conn, session, EndReason.LOGOUT, now)
    return True


async def session_of_refresh(conn: asyncpg.Connection, refresh_secret: str | None, now: datetime) -> Session:
    """The live session behind a refresh secret, and its CSRF value; NoSessionError otherwise."""
    if refresh_secret is None or not usable_secret(refresh_secret):
        raise NoSessionError()
    session = await repository.session_by_refresh(conn, digest(refresh_secret))
    if session is None or not session.live(now):
        raise NoSessionError()
    return session


async def end_sessions_for_removed_access(
    conn: asyncpg.Connection,
    *,
    email: str,
    now: datetime,
    company_id: UUID | None = None,
    municipality_id: UUID | None = None,
) -> int:
    """A person lost access: an approver removed from ``company_id``, or a user removed from
    ``municipality_id`` (exactly one of the two). Ends each of their live sessions for that company or
    municipality (reason ``access-removed``) and writes a ``PageSessionEnded`` for each, in the caller's
    transaction (the removal's). Returns how many ended."""
    if (company_id is None) == (municipality_id is None):
        raise ValueError("name exactly one of company_id and municipality_id")
    ended = await repository.end_sessions_of(
        conn,
        email=normalise_email(email),
        company_id=company_id,
        municipality_id=municipality_id,
        reason=EndReason.ACCESS_REMOVED,
        now=now,
    )
    for session in ended:
        await _announce_end(conn, session, EndReason.ACCESS_REMOVED, now)
    if ended:
        who = "approver" if company_id is not None else "municipality user"
        log.info(f"page sessions ended: {who} removed", extra={"fields": {"sessions": len(ended)}})
    return len(ended)
