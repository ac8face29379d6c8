"""The agency's name and the "why you get this" footer every mail carries (issue 14), in one place: the reminder
ladder's, the parties' and the approval and login-link mails use these, so the name and the wording never drift."""

from __future__ import annotations

from notifications.emails.models import MailContext, single_line

DEFAULT_AGENCY = "Vikarmodellen"

_FOOTER = {
    "da": "Du får denne mail fra {agency}, fordi {reason}.",
    "en": "You receive this mail from {agency} because {reason}.",
}


def agency_of(context: MailContext) -> str:
    """The agency's name as mails show it (``MailContext.agency_name``, one line), ``Vikarmodellen`` when blank."""
    return single_line(context.agency_name) or DEFAULT_AGENCY


def footer(agency: str, reason: str, locale: str) -> str:
    """The footer line: who sends the mail (``agency``) and why the recipient gets it (``reason``, a clause in
    ``locale``: ``da`` or ``en``, anything else Danish), e.g. "Du får denne mail fra Vikarmodellen, fordi du
    godkender timer for Bager ApS." """
    return _FOOTER.get(locale, _FOOTER["da"]).format(agency=single_line(agency), reason=reason)
