"""The shared web layer of every service that serves pages or mails.

- :mod:`~vikar_shared.web.formatting`: dates, ``h:mm``, øre as kroner, ISO weeks (Babel, no hand tables);
- :mod:`~vikar_shared.web.i18n`: the Danish/English catalogue mechanism and the ``t`` of templates;
- :mod:`~vikar_shared.web.pages`: the Jinja2 environment (service templates over ``vikar/layout.html``),
  security headers, rendering, redirects;
- :mod:`~vikar_shared.web.site`: a service's pages under its prefix (``PageSite``): rendering, message pages,
  failures and the framework's errors under the prefix as pages (``ends_on_a_page``,
  ``install_page_error_pages``);
- :mod:`~vikar_shared.web.csrf`: CSRF tokens and the double-submit check (sessions: :mod:`vikar_shared.identity`);
- :mod:`~vikar_shared.web.forms`: reading a posted form, bounded; :mod:`~vikar_shared.web.cookies`: setting
  the cookies of pages; :mod:`~vikar_shared.web.language`: the one ``vikar_lang`` cookie and a page's language;
- :mod:`~vikar_shared.web.static`: the one stylesheet under a service's page prefix;
- :mod:`~vikar_shared.web.mail`: the mail template base (text and HTML);
- :mod:`~vikar_shared.web.problem_pages`: the documentation page of every problem type.
"""
