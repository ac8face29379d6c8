"""Every problem code the timesheet service answers besides the shared ones
(:data:`vikar_shared.http.problem_types.SHARED_TYPES`); each has a page at
``{public_base_url}/problems/timesheet/{code}``."""

from __future__ import annotations

from vikar_shared.http.problem_types import entry, not_found_entry, rule_entry, service_catalogue
from vikar_shared.web.problem_pages import problem_pages

_RELOAD = (
    "Read the entry again (the problem carries it as it is now) and decide on what it is now.",
    "Hent timerne igen (problemet har dem, som de er nu), og beslut ud fra det.",
)

CATALOGUE = service_catalogue(
    "timesheet",
    [
        not_found_entry("entry", en="hour entry", da="timeregistrering"),
        not_found_entry("placement", en="placement", da="placering"),
        not_found_entry("company", en="company", da="virksomhed"),
        entry(
            "entries-invalid",
            422,
            en=("Entries invalid", "One or more entries of the submission break a rule; none was saved."),
            da=("Ugyldige registreringer", "En eller flere registreringer bryder en regel; ingen blev gemt."),
        ),
        entry(
            "entry-invalid",
            422,
            en=("Entry invalid", "The changed entry breaks a rule (`errors` says which); nothing was saved."),
            da=("Ugyldig registrering", "Den ændrede registrering bryder en regel (se `errors`); intet blev gemt."),
        ),
        entry(
            "correction-invalid",
            422,
            en=("Correction invalid", "The correction breaks a rule (`errors` says which); nothing was saved."),
            da=("Ugyldig rettelse", "Rettelsen bryder en regel (se `errors`); intet blev gemt."),
        ),
        rule_entry(
            "exactly-one-selector",
            en=(
                "One selector",
                "An approval names its entries in exactly one way: entry_ids, week, citizen_id or all_pending.",
            ),
            da=(
                "Én udvælgelse",
                "En godkendelse udvælger timerne på præcis én måde: entry_ids, week, citizen_id eller all_pending.",
            ),
        ),
        rule_entry(
            "seen-duplicate",
            en=("Entry given twice", "`seen` gives one entry twice with different versions."),
            da=("Registrering to gange", "`seen` angiver samme registrering to gange med forskellige versioner."),
        ),
        rule_entry(
            "seen-version-missing",
            en=("Version missing", "An approval by ids gives the version seen of every id in `seen`."),
            da=("Version mangler", "En godkendelse med id'er angiver den sete version af hvert id i `seen`."),
        ),
        entry(
            "entry-version-mismatch",
            409,
            en=("Entry changed", "The entry is not at the version the caller saw; someone changed or decided it."),
            da=("Registreringen er ændret", "Registreringen har ikke den version, kalderen så; den er ændret."),
            do=_RELOAD,
        ),
        entry(
            "entry-not-submitted",
            409,
            en=("Already decided", "Only a submitted entry can be decided; this one is approved or rejected."),
            da=("Allerede afgjort", "Kun indsendte timer kan afgøres; disse er godkendt eller afvist."),
            do=_RELOAD,
        ),
        entry(
            "entry-not-editable",
            409,
            en=("Entry not editable", "An approved entry is never changed; it is corrected by a correction entry."),
            da=("Kan ikke ændres", "Godkendte timer ændres aldrig; de rettes med en rettelse."),
            do=("Create a correction of the entry instead.", "Opret i stedet en rettelse af registreringen."),
        ),
        entry(
            "entry-not-approved",
            409,
            en=("Entry not approved", "Only an approved entry can be corrected."),
            da=("Ikke godkendt", "Kun godkendte timer kan rettes."),
            do=(
                "Edit the entry itself while it is not approved.",
                "Ret selve registreringen, så længe den ikke er godkendt.",
            ),
        ),
        entry(
            "entry-is-a-correction",
            409,
            en=("Entry is a correction", "A correction is not corrected again; correct the original entry."),
            da=("Er en rettelse", "En rettelse rettes ikke igen; ret den oprindelige registrering."),
        ),
        entry(
            "correction-open",
            409,
            en=("Correction open", "The entry already has a correction that is not decided yet."),
            da=("Åben rettelse", "Registreringen har allerede en rettelse, der ikke er afgjort."),
            do=(
                "Wait for the open correction to be decided, or edit it.",
                "Vent på, at rettelsen afgøres, eller ret den.",
            ),
        ),
        entry(
            "work-date-taken",
            409,
            en=("Day already has hours", "The citizen already has an entry for this placement on that day."),
            da=("Dagen har allerede timer", "Borgeren har allerede timer for denne placering den dag."),
            do=("Edit the existing entry instead of adding another.", "Ret den eksisterende registrering i stedet."),
        ),
        entry(
            "entry-changed",
            409,
            en=("Entry changed", "The entry changed after it was read; nothing was done."),
            da=("Registreringen er ændret", "Registreringen er ændret, efter den blev læst; intet blev gjort."),
            do=_RELOAD,
        ),
        entry(
            "entries-changed",
            409,
            en=("Entries changed", "Entries of the approval changed after they were seen; nothing was approved."),
            da=("Timerne er ændret", "Timer i godkendelsen er ændret, efter de blev set; intet blev godkendt."),
            do=_RELOAD,
        ),
    ],
)
# GET /problems/<service>/ and /problems/<service>/{code}: included by app.py.
router = problem_pages(CATALOGUE)
