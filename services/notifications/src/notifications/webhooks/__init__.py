"""Signed webhooks for finance systems (issue 14, part D): endpoints finance registers (``endpoints``), one
delivery per (endpoint, invoicing event) recorded by the ``notifications.webhooks`` consumer (``handlers``), sent
by a background task (``sender``) following Standard Webhooks with retries, a log, replay and disabling of an
endpoint failing for days; only public https addresses outside development and test (``addresses``)."""
