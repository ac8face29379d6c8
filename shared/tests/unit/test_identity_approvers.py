"""Who a page session opens the approval portal for (vikar_shared.identity.approvers), in timesheet and invoicing
alike: a company approver's session whose address is listed for its company, compared in the shared ASCII form."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from vikar_shared.auth.principal import Role
from vikar_shared.identity.approvers import Approver, approver_session, claimed_approver_session, unique_approvers
from vikar_shared.testing.identity import page_session_cookie

NOW = datetime(2026, 12, 10, 11, tzinfo=UTC)
COMPANY = uuid.uuid4()
LISTED = unique_approvers([(" Bo@Bager.dk ", " Bo Hansen "), ("bo@bager.dk", "Another Bo"), ("", "Nobody")])


def test_each_address_once_in_the_shared_form_first_name_wins() -> None:
    listed = LISTED
    assert listed == [Approver(email="bo@bager.dk", name="Bo Hansen")]


def test_a_listed_company_approver_opens_the_portal_for_its_company() -> None:
    minted = page_session_cookie(email="ＢＯ@bager.DK", now=NOW, company_id=COMPANY, lang="en")
    session = approver_session(minted.session, LISTED, "Bager Hansen ApS", "en")
    assert session is not None
    assert (session.email, session.approver_name, session.company_id, session.company_name) == (
        "bo@bager.dk",
        "Bo Hansen",
        COMPANY,
        "Bager Hansen ApS",
    )
    assert (session.session_id, session.csrf_token, session.locale) == (minted.session.session_id, minted.csrf, "en")
    principal = session.principal
    assert (principal.role, principal.company_id, principal.subject) == (Role.COMPANY_APPROVER, COMPANY, "bo@bager.dk")


def test_anyone_else_opens_nothing() -> None:
    for minted in (
        page_session_cookie(email="someone@bager.dk", now=NOW, company_id=COMPANY),
        page_session_cookie(email="bo@bager.dk", now=NOW, company_id=None),
        page_session_cookie(email="bo@bager.dk", now=NOW, role=Role.MUNICIPALITY, municipality_id=uuid.uuid4()),
        page_session_cookie(email="bo@bager.dk", now=NOW, role=Role.CONSULTANT),
    ):
        assert approver_session(minted.session, LISTED, "Bager Hansen ApS", "da") is None
    assert (
        approver_session(page_session_cookie(email="bo@bager.dk", now=NOW, company_id=COMPANY).session, [], None, "da")
        is None
    )


def test_while_the_list_is_unknown_the_signed_company_approver_claim_opens_its_company() -> None:
    # A serving service that never received the company's list (claimed_approver_session): the owner's signed
    # claim stands as it is, whoever the address; other roles and a session without a company still open nothing.
    minted = page_session_cookie(email=" Someone@Bager.DK", now=NOW, company_id=COMPANY, lang="en")
    session = claimed_approver_session(minted.session, None, "en")
    assert session is not None
    assert (session.email, session.approver_name, session.company_id, session.company_name) == (
        "someone@bager.dk",
        "",
        COMPANY,
        None,
    )
    assert (session.session_id, session.csrf_token, session.locale) == (minted.session.session_id, minted.csrf, "en")
    assert session.principal.company_id == COMPANY
    for other in (
        page_session_cookie(email="bo@bager.dk", now=NOW, company_id=None),
        page_session_cookie(email="bo@bager.dk", now=NOW, role=Role.MUNICIPALITY, municipality_id=uuid.uuid4()),
        page_session_cookie(email="bo@bager.dk", now=NOW, role=Role.CONSULTANT),
    ):
        assert claimed_approver_session(other.session, "Bager Hansen ApS", "da") is None
