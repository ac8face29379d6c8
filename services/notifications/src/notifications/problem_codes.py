"""Every problem code the notifications service answers besides the shared ones
(:data:`vikar_shared.http.problem_types.SHARED_TYPES`); each has a page at
``{public_base_url}/problems/notifications/{code}``."""

from __future__ import annotations

from vikar_shared.http.problem_types import not_found_entry, service_catalogue
from vikar_shared.web.problem_pages import problem_pages

CATALOGUE = service_catalogue(
    "notifications",
    [
        not_found_entry("email", en="e-mail", da="e-mail"),
    ],
)
# GET /problems/<service>/ and /problems/<service>/{code}: included by app.py.
router = problem_pages(CATALOGUE)
