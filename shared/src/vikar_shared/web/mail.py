"""The mail template base: every mail's text (and, where a mail has one, HTML) part from one Jinja2
template pair extending ``vikar/mail/base.txt`` / ``vikar/mail/base.html``.

The base lays out greeting, body and signature (text: separated by blank lines, ending in a newline);
a mail's template fills ``{% block body %}``. Texts are plain (no escaping: the text part is not HTML);
values put into a mail are made single-line by the caller where a header or line could be forged.
The signature words live in :data:`MAIL_CATALOGUE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment

from vikar_shared.web.pages import make_environment

MAIL_CATALOGUE: dict[str, dict[str, str]] = {
    "signature": {"da": "Med venlig hilsen\nVikarmodellen", "en": "Kind regards\nVikarmodellen"},
}


@dataclass(frozen=True)
class MailTemplates:
    """A service's mail templates (``template_dirs``): ``.txt`` parts are not escaped, ``.html`` parts are."""

    environment: Environment

    @classmethod
    def over(cls, template_dirs: Sequence[Path]) -> MailTemplates:
        return cls(make_environment(template_dirs))

    def text_part(self, template: str, *, greeting: str, locale: str, **context: Any) -> str:
        """The text part of ``template`` (a ``.txt`` extending ``vikar/mail/base.txt``), ending in one newline."""
        signature = MAIL_CATALOGUE["signature"][locale]
        body = self.environment.get_template(template).render(
            greeting=greeting, signature=signature, locale=locale, **context
        )
        return body.rstrip("\n") + "\n"

    def html_part(self, template: str, *, greeting: str, locale: str, subject: str, **context: Any) -> str:
        """The HTML part of ``template`` (a ``.html`` extending ``vikar/mail/base.html``), values escaped."""
        signature = MAIL_CATALOGUE["signature"][locale]
        return self.environment.get_template(template).render(
            greeting=greeting, signature=signature, locale=locale, subject=subject, **context
        )
