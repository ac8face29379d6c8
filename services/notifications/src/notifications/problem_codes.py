"""Every problem code the notifications service answers besides the shared ones
(:data:`vikar_shared.http.problem_types.SHARED_TYPES`); each has a page at
``{public_base_url}/problems/notifications/{code}``."""

from __future__ import annotations

from vikar_shared.http.problem_types import entry, not_found_entry, rule_entry, service_catalogue
from vikar_shared.web.problem_pages import problem_pages

CATALOGUE = service_catalogue(
    "notifications",
    [
        not_found_entry("email", en="e-mail", da="e-mail"),
        # Issue 14 part C: the reminder ladder settings.
        not_found_entry("company", en="company", da="virksomhed"),
        entry(
            "reminder-settings-invalid",
            422,
            en=("Reminder ladder not valid", "The reminder ladder breaks the rules listed under errors."),
            da=("Påmindelsesstigen er ugyldig", "Påmindelsesstigen bryder de regler, der står under errors."),
            do=(
                "Give whole working days 1..60 that rise: reminder < follow-up < escalation < deemed approval.",
                "Angiv hele arbejdsdage 1..60 i stigende rækkefølge: påmindelse < opfølgning < eskalering < "
                "anset for godkendt.",
            ),
        ),
        rule_entry(
            "working-days-out-of-range",
            en=("Working days out of range", "A step of the ladder is a whole number of working days, 1 to 60."),
            da=("Arbejdsdage uden for grænserne", "Et trin på stigen er et helt antal arbejdsdage, 1 til 60."),
        ),
        rule_entry(
            "ladder-not-rising",
            en=(
                "Ladder not rising",
                "Each step comes after the one before: reminder < follow-up < escalation < deemed approval.",
            ),
            da=(
                "Stigen stiger ikke",
                "Hvert trin kommer efter det forrige: påmindelse < opfølgning < eskalering < anset for godkendt.",
            ),
        ),
    ],
)
# GET /problems/<service>/ and /problems/<service>/{code}: included by app.py.
router = problem_pages(CATALOGUE)
