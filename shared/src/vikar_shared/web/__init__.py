"""The shared web layer of every service that serves pages or mails.

- :mod:`~vikar_shared.web.formatting`: dates, ``h:mm``, øre as kroner, ISO weeks (Babel, no hand tables);
- :mod:`~vikar_shared.web.i18n`: the Danish/English catalogue mechanism and the ``t`` of templates;
- :mod:`~vikar_shared.web.pages`: the Jinja2 environment (service templates over ``vikar/layout.html``),
  security headers, rendering, redirects;
- :mod:`~vikar_shared.web.csrf`: CSRF tokens and the double-submit check (sessions: :mod:`vikar_shared.identity`);
- :mod:`~vikar_shared.web.static`: the one stylesheet under a service's page prefix;
- :mod:`~vikar_shared.web.mail`: the mail template base (text and HTML);
- :mod:`~vikar_shared.web.problem_pages`: the documentation page of every problem type.
"""
