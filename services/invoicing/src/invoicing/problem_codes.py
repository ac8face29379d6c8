"""Every problem code the invoicing service answers besides the shared ones
(:data:`vikar_shared.http.problem_types.SHARED_TYPES`); each has a page at
``{public_base_url}/problems/invoicing/{code}``."""

from __future__ import annotations

from vikar_shared.http.problem_types import entry, not_found_entry, rule_entry, service_catalogue
from vikar_shared.web.problem_pages import problem_pages

CATALOGUE = service_catalogue(
    "invoicing",
    [
        not_found_entry("company", en="company", da="virksomhed"),
        not_found_entry("municipality", en="municipality", da="kommune"),
        rule_entry(
            "non-negative-unless-correction",
            en=("Negative minutes", "Only a correction entry may have negative minutes."),
            da=("Negative minutter", "Kun en rettelse må have negative minutter."),
        ),
        entry(
            "approval-differs",
            409,
            en=(
                "Approval differs",
                "The entry was approved before with other facts (minutes, date or rate) than this event carries.",
            ),
            da=(
                "Godkendelsen afviger",
                "Timerne er godkendt før med andre fakta (minutter, dato eller sats), end denne hændelse har.",
            ),
            do=(
                "Nothing to do for the caller; operations look at the event in the dead-letter topic.",
                "Intet for kalderen; driften ser på hændelsen i dead-letter-emnet.",
            ),
        ),
    ],
)
# GET /problems/<service>/ and /problems/<service>/{code}: included by app.py.
router = problem_pages(CATALOGUE)
