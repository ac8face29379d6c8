"""Every word the portal shows, in Danish (the default) and English, on the shared catalogue mechanism
(:mod:`vikar_shared.web.i18n`: the layout's, the shared message pages' and the portal's navigation words
(``PORTAL_CATALOGUE``), and dates, hours and kroner written by Babel).

A missing key is a KeyError at render time, and the unit tests render every page in both languages,
so a string that exists in one language only does not ship."""

from __future__ import annotations

from vikar_shared.web.i18n import DEFAULT_LOCALE, LOCALES, PORTAL_CATALOGUE, supported
from vikar_shared.web.i18n import Translator as BaseTranslator

__all__ = ["CATALOGUE", "DEFAULT_LOCALE", "LOCALES", "Translator", "supported"]

CATALOGUE: dict[str, dict[str, str]] = {
    # The navigation, the logged-in approver and "no access" (vikar/portal.html), shared with invoicing's pages.
    **PORTAL_CATALOGUE,
    # Pending hours
    "pending_title": {"da": "Timer til godkendelse", "en": "Hours to approve"},
    "pending_none": {
        "da": "Der er ingen timer, der venter på godkendelse.",
        "en": "No hours are waiting for approval.",
    },
    "pending_summary": {
        "da": "{count} registreringer venter, i alt {hours} timer.",
        "en": "{count} entries are waiting, {hours} hours in total.",
    },
    "pending_summary_one": {
        "da": "1 registrering venter, i alt {hours} timer.",
        "en": "1 entry is waiting, {hours} hours in total.",
    },
    "col_date": {"da": "Dato", "en": "Date"},
    "col_hours": {"da": "Timer", "en": "Hours"},
    "col_actions": {"da": "Handling", "en": "Action"},
    "citizen_total": {"da": "{citizen} i alt", "en": "{citizen}, total"},
    "week_total": {"da": "Uge {week} i alt", "en": "Week {week} total"},
    "approve": {"da": "Godkend", "en": "Approve"},
    "correction": {"da": "Rettelse", "en": "Correction"},
    "reject": {"da": "Afvis", "en": "Reject"},
    "entry_context": {"da": "{hours} timer, {citizen}, {date}", "en": "{hours} hours, {citizen}, {date}"},
    "approve_week": {"da": "Godkend uge {week} ({hours} timer)", "en": "Approve week {week} ({hours} hours)"},
    "approve_all": {"da": "Godkend alle ({count} registreringer)", "en": "Approve all ({count} entries)"},
    "approve_all_one": {"da": "Godkend (1 registrering)", "en": "Approve (1 entry)"},
    "flash_approved_one": {
        "da": "Godkendt: {hours} timer for {citizen}, {date}.",
        "en": "Approved: {hours} hours for {citizen}, {date}.",
    },
    "flash_approved_many": {"da": "{count} registreringer er godkendt.", "en": "{count} entries approved."},
    "flash_approved_many_one": {"da": "1 registrering er godkendt.", "en": "1 entry approved."},
    "flash_skipped": {
        "da": "{count} var allerede afgjort af en anden og blev ikke ændret (se historikken).",
        "en": "{count} had already been decided by someone else and were left as they were (see the history).",
    },
    "flash_skipped_one": {
        "da": "1 var allerede afgjort af en anden og blev ikke ændret (se historikken).",
        "en": "1 had already been decided by someone else and was left as it was (see the history).",
    },
    "flash_rejected_one": {
        "da": "Afvist: {hours} timer for {citizen}, {date}.",
        "en": "Rejected: {hours} hours for {citizen}, {date}.",
    },
    # Rejecting
    "reject_title": {"da": "Afvis timer", "en": "Reject hours"},
    "reject_intro": {
        "da": "{hours} timer for {citizen}, {date}.",
        "en": "{hours} hours for {citizen}, {date}.",
    },
    "reason_label": {"da": "Begrundelse (skal udfyldes)", "en": "Reason (required)"},
    "reason_help": {
        "da": "Skriv til konsulenten, hvad der er forkert, så timerne kan rettes.",
        "en": "Tell the consultant what is wrong, so the hours can be corrected.",
    },
    "reason_too_short": {
        "da": "Skriv en begrundelse på mindst 3 tegn.",
        "en": "Write a reason of at least 3 characters.",
    },
    "reason_too_long": {
        "da": "Begrundelsen må højst være 1000 tegn.",
        "en": "The reason may be at most 1000 characters.",
    },
    "reason_invalid_character": {
        "da": "Begrundelsen indeholder et tegn, der ikke kan gemmes.",
        "en": "The reason contains a character that cannot be saved.",
    },
    "reject_submit": {"da": "Afvis timerne", "en": "Reject the hours"},
    "cancel": {"da": "Fortryd", "en": "Cancel"},
    # Someone else decided first
    "already_decided_title": {"da": "Allerede afgjort", "en": "Already decided"},
    "already_approved_text": {
        "da": "{who} godkendte disse timer {when}.",
        "en": "{who} approved these hours on {when}.",
    },
    "already_rejected_text": {
        "da": "{who} afviste disse timer {when} med begrundelsen:",
        "en": "{who} rejected these hours on {when}, giving the reason:",
    },
    "entry_changed_text": {
        "da": "Timerne er blevet ændret, siden du åbnede siden. Se dem igen, før du beslutter.",
        "en": "The hours were changed after you opened the page. Look at them again before deciding.",
    },
    "already_decided_hint": {
        "da": "Der er ikke ændret noget. Timerne står nu i historikken.",
        "en": "Nothing was changed. The hours are now in the history.",
    },
    "back_to_pending": {"da": "Tilbage til timer til godkendelse", "en": "Back to hours to approve"},
    # Entries changed after the page was shown (a bulk approval approves nothing then)
    "changed_title": {"da": "Timerne er ændret", "en": "The hours have changed"},
    "changed_text": {
        "da": "{count} registreringer er ændret, siden du åbnede siden.",
        "en": "{count} entries changed after you opened the page.",
    },
    "changed_text_one": {
        "da": "1 registrering er ændret, siden du åbnede siden.",
        "en": "1 entry changed after you opened the page.",
    },
    "changed_caption": {"da": "Sådan ser de ud nu", "en": "As they are now"},
    "col_change": {"da": "Ændring", "en": "Change"},
    "changed_since_shown": {
        "da": "Ændret (dato eller timer), efter siden blev vist",
        "en": "Changed (date or hours) after the page was shown",
    },
    "new_since_shown": {"da": "Ny, kom efter siden blev vist", "en": "New, arrived after the page was shown"},
    "changed_nothing_done": {
        "da": "Der er ikke godkendt noget. Se timerne igen, før du godkender.",
        "en": "Nothing was approved. Look at the hours again before approving.",
    },
    "changed_nothing_rejected": {
        "da": "Der er ikke afvist noget. Se timerne igen, før du beslutter.",
        "en": "Nothing was rejected. Look at the hours again before deciding.",
    },
    "look_again": {"da": "Se timerne igen", "en": "Look at the hours again"},
    "in_flight_title": {"da": "Behandles allerede", "en": "Already being handled"},
    "in_flight_text": {
        "da": "Det samme tryk er ved at blive behandlet. Vent et øjeblik, og se så timerne igen.",
        "en": "The same click is being handled right now. Wait a moment, then look at the hours again.",
    },
    "too_many_title": {"da": "For mange timer på én gang", "en": "Too many hours at once"},
    "too_many_text": {
        "da": "Der kan højst godkendes {max} registreringer med ét tryk, så der er ikke godkendt noget. "
        "Godkend timerne uge for uge, eller én registrering ad gangen.",
        "en": "At most {max} entries can be approved with one click, so nothing was approved. "
        "Approve the hours week by week, or one entry at a time.",
    },
    "too_many_for_one_button": {
        "da": "Der venter flere end {max} registreringer, så de godkendes uge for uge eller én ad gangen.",
        "en": "More than {max} entries are waiting, so approve them week by week or one at a time.",
    },
    # History
    "month_invalid_title": {"da": "Ugyldig måned", "en": "Invalid month"},
    "month_format_text": {
        "da": "Måneden skal skrives ÅÅÅÅ-MM, fx 2026-11. Der vises ingen anden måned i stedet.",
        "en": "Write the month as YYYY-MM, e.g. 2026-11. No other month is shown instead.",
    },
    "month_out_of_range_text": {
        "da": "Måneden skal ligge i årene {first} til {last}. Der vises ingen anden måned i stedet.",
        "en": "The month must be in the years {first} to {last}. No other month is shown instead.",
    },
    "history_this_month": {"da": "Se denne måneds historik", "en": "See this month's history"},
    "history_title": {"da": "Historik", "en": "History"},
    "month_totals_title": {"da": "Timer pr. måned", "en": "Hours per month"},
    "col_month": {"da": "Måned", "en": "Month"},
    "col_approved": {"da": "Godkendt", "en": "Approved"},
    "col_rejected": {"da": "Afvist", "en": "Rejected"},
    "col_submitted": {"da": "Venter", "en": "Waiting"},
    "col_citizen": {"da": "Medarbejder", "en": "Worker"},
    "col_status": {"da": "Status", "en": "Status"},
    "col_decided": {"da": "Afgjort af", "en": "Decided by"},
    "month_entries_title": {"da": "Afgjorte timer i {month}", "en": "Decided hours in {month}"},
    "month_navigation": {"da": "Skift måned", "en": "Change month"},
    "previous_month": {"da": "Forrige måned", "en": "Previous month"},
    "next_month": {"da": "Næste måned", "en": "Next month"},
    "history_none": {
        "da": "Ingen godkendte eller afviste timer i {month}.",
        "en": "No approved or rejected hours in {month}.",
    },
    "month_totals_none": {"da": "Ingen timer endnu.", "en": "No hours yet."},
    "status_approved": {"da": "Godkendt", "en": "Approved"},
    "status_rejected": {"da": "Afvist", "en": "Rejected"},
    "status_submitted": {"da": "Venter", "en": "Waiting"},
    "decided_by_when": {"da": "{who}, {when}", "en": "{who}, {when}"},
    "reason_shown": {"da": "Begrundelse: {reason}", "en": "Reason: {reason}"},
    # Issue 14 part C: an entry approved by the company's deemed-approval deadline.
    "deemed_approved_shown": {
        "da": "Anset for godkendt: ikke afgjort inden aftalens frist",
        "en": "Deemed approved: not decided within the agreed deadline",
    },
    # Error pages
    "page_not_found_text": {
        "da": "Den side findes ikke i portalen. Brug menuen, eller gå tilbage til timerne.",
        "en": "That page does not exist in the portal. Use the menu, or go back to the hours.",
    },
    "not_found_title": {"da": "Ikke fundet", "en": "Not found"},
    "not_found_text": {
        "da": "Timerne findes ikke, eller du har ikke adgang til dem.",
        "en": "Those hours do not exist, or you do not have access to them.",
    },
}


class Translator(BaseTranslator):
    """The portal's words (and the shared formats: ``t.day``, ``t.hours``, ``t.instant``…) in one locale."""

    catalogue = CATALOGUE
