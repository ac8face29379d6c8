"""The service's mail templates (``templates/mail/``) on the shared mail base (:mod:`vikar_shared.web.mail`)."""

from __future__ import annotations

from pathlib import Path

from vikar_shared.web.mail import MailTemplates

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
MAIL = MailTemplates.over([TEMPLATES])
