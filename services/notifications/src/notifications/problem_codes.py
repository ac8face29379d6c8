"""Every problem code the notifications service answers besides the shared ones
(:data:`vikar_shared.http.problem_types.SHARED_TYPES`); each has a page at
``{public_base_url}/problems/notifications/{code}``."""

from __future__ import annotations

from vikar_shared.http.problem_types import not_found_entry, rule_entry, service_catalogue
from vikar_shared.web.problem_pages import problem_pages

CATALOGUE = service_catalogue(
    "notifications",
    [
        not_found_entry("email", en="e-mail", da="e-mail"),
        # Issue 14 (part A): the consultant digest.
        rule_entry(
            "consultant-required",
            en=("Consultant missing", "An admin names the consultant whose digest to send."),
            da=("Konsulent mangler", "En administrator angiver, hvilken konsulents oversigt der skal sendes."),
        ),
    ],
)
# GET /problems/<service>/ and /problems/<service>/{code}: included by app.py.
router = problem_pages(CATALOGUE)
