"""Every word of the municipality's pages, in Danish (the default) and English, over the shared
:data:`vikar_shared.web.i18n.PAGE_CATALOGUE` (the layout's and the shared message pages' words); dates, months and
kroner are written by Babel (``t.full_date``, ``t.month``, ``t.short_month``, ``t.kroner``).

A missing key is a KeyError at render time; the unit tests check the catalogue
(:func:`vikar_shared.web.i18n.catalogue_problems`) and the integration tests render every page in both languages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from invoicing.municipality_kpis.models import END_REASONS
from invoicing.statements.models import VatCategory, VatTerms
from vikar_shared.web.i18n import PAGE_CATALOGUE, PAGER_CATALOGUE
from vikar_shared.web.i18n import Translator as BaseTranslator

__all__ = ["CATALOGUE", "END_REASON_WORDS", "Translator"]

# One decimal, CLDR's spacing per language (da: "66,7 %" with a no-break space, en: "66.7%").
_PERCENT_FORMAT = {"da": "#,##0.0\xa0%", "en": "#,##0.0%"}
# The end reasons placement publishes (invoicing.municipality_kpis.models.END_REASONS), as the pages name them.
END_REASON_WORDS: dict[str, dict[str, str]] = {
    "hired_directly": {"da": "Ansat direkte", "en": "Hired directly"},
    "other_job": {"da": "Andet job", "en": "Other job"},
    "more_hours_elsewhere": {"da": "Flere timer andetsteds", "en": "More hours elsewhere"},
    "education": {"da": "Uddannelse", "en": "Education"},
    "moved_to_other_placement": {"da": "Flyttet til andet forløb", "en": "Moved to another placement"},
    "ended_by_company": {"da": "Afsluttet af virksomheden", "en": "Ended by the company"},
    "dropped_out": {"da": "Faldet fra", "en": "Dropped out"},
}
assert set(END_REASON_WORDS) == set(END_REASONS), "every end reason has its words"

CATALOGUE: dict[str, dict[str, str]] = {
    **PAGE_CATALOGUE,
    **PAGER_CATALOGUE,
    **{f"end_reason_{key}": words for key, words in END_REASON_WORDS.items()},
    "site_name": {"da": "Kommune", "en": "Municipality"},
    "nav_progress": {"da": "Fremdrift", "en": "Progress"},
    "nav_statements": {"da": "Opgørelser", "en": "Statements"},
    # Progress
    "progress_title": {"da": "Fremdrift", "en": "Progress"},
    "progress_intro": {
        "da": "Aftalen med {municipality} pr. {as_of}: alle tal tæller det, der er sket til og med den dag.",
        "en": "The agreement with {municipality} as of {as_of}: every figure counts what happened up to that day.",
    },
    "as_of_label": {"da": "Vis tal pr. dato", "en": "Show figures as of"},
    "as_of_help": {"da": "Skriv datoen som ÅÅÅÅ-MM-DD.", "en": "Write the date as YYYY-MM-DD."},
    "as_of_submit": {"da": "Vis", "en": "Show"},
    "headline_caption": {"da": "Nøgletal", "en": "Key figures"},
    "figure_citizens": {"da": "Unikke borgere", "en": "Unique citizens"},
    "figure_citizens_of_target": {"da": "{count} af målet {target}", "en": "{count} of the target {target}"},
    "figure_hours": {"da": "Medfinansierede timer", "en": "Co-financed hours"},
    "figure_started": {"da": "Forløb startet", "en": "Placements started"},
    "figure_ended": {"da": "Forløb afsluttet", "en": "Placements ended"},
    "figure_retention": {
        "da": "I arbejde {days} dage efter første dag",
        "en": "In work {days} days after the first day",
    },
    "retention_share": {"da": "{in_work} af {measured} ({share})", "en": "{in_work} of {measured} ({share})"},
    "retention_none": {"da": "Ingen målt endnu", "en": "Nobody measured yet"},
    "no_target": {"da": "intet mål aftalt", "en": "no target agreed"},
    "no_months": {
        "da": "Der er ingen tal endnu pr. denne dato.",
        "en": "There are no figures yet as of this date.",
    },
    "col_month": {"da": "Måned", "en": "Month"},
    "col_citizens_cumulative": {"da": "Unikke borgere i alt", "en": "Unique citizens so far"},
    "col_new_citizens": {"da": "Nye borgere", "en": "New citizens"},
    "col_hours": {"da": "Timer", "en": "Hours"},
    "col_started": {"da": "Startet", "en": "Started"},
    "col_ended": {"da": "Afsluttet", "en": "Ended"},
    "col_reason": {"da": "Årsag", "en": "Reason"},
    "col_count": {"da": "Antal", "en": "Count"},
    "chart_figures": {"da": "Tallene bag grafen", "en": "The figures behind the chart"},
    "chart_citizens_title": {"da": "Unikke borgere mod målet", "en": "Unique citizens against the target"},
    "chart_citizens_axis": {"da": "Borgere", "en": "Citizens"},
    "chart_citizens_desc": {
        "da": "Linjen viser unikke borgere med medfinansierede timer, lagt sammen måned for måned: "
        "{count} pr. {as_of}.",
        "en": "The line shows unique citizens with co-financed hours, added up month by month: {count} as of {as_of}.",
    },
    "chart_citizens_desc_target": {
        "da": "Den stiplede linje er aftalens mål på {target}.",
        "en": "The dashed line is the agreement's target of {target}.",
    },
    "chart_citizens_desc_no_target": {"da": "Aftalen har intet mål.", "en": "The agreement has no target."},
    "legend_citizens": {"da": "Unikke borgere", "en": "Unique citizens"},
    "legend_target": {"da": "Mål ({target})", "en": "Target ({target})"},
    "chart_hours_title": {"da": "Medfinansierede timer pr. måned", "en": "Co-financed hours per month"},
    "chart_hours_axis": {"da": "Timer", "en": "Hours"},
    "chart_hours_desc": {
        "da": "En søjle pr. måned, {count} måneder; i alt {hours} timer.",
        "en": "One bar per month, {count} months; {hours} hours in all.",
    },
    "chart_hours_desc_one": {
        "da": "En søjle for 1 måned; i alt {hours} timer.",
        "en": "One bar for 1 month; {hours} hours in all.",
    },
    "chart_placements_title": {
        "da": "Forløb startet og afsluttet pr. måned",
        "en": "Placements started and ended per month",
    },
    "chart_placements_axis": {"da": "Forløb", "en": "Placements"},
    "chart_placements_desc": {
        "da": "To søjler pr. måned: startede og afsluttede forløb; i alt {started} startet og {ended} afsluttet.",
        "en": "Two bars per month: placements started and ended; {started} started and {ended} ended in all.",
    },
    "legend_started": {"da": "Startet", "en": "Started"},
    "legend_ended": {"da": "Afsluttet", "en": "Ended"},
    "end_reasons_title": {"da": "Hvorfor forløb sluttede", "en": "Why placements ended"},
    "end_reasons_by_month_title": {
        "da": "Afsluttede forløb pr. måned og årsag",
        "en": "Placements ended per month by reason",
    },
    "agreement_not_begun": {
        "da": "Aftalen var ikke begyndt pr. {as_of}: den begynder {begins}.",
        "en": "The agreement had not begun as of {as_of}: it begins on {begins}.",
    },
    "agreement_begins": {"da": "aftalen begynder {begins}", "en": "the agreement begins on {begins}"},
    "end_reasons_none": {"da": "Ingen forløb er afsluttet endnu.", "en": "No placement has ended yet."},
    "total": {"da": "I alt", "en": "Total"},
    # Statements
    "statements_title": {"da": "Opgørelser", "en": "Statements"},
    "statements_intro": {
        "da": "Medfinansieringsopgørelser og korrektioner, vi har udstedt til jeres kommune, nyeste først.",
        "en": "Co-financing statements and corrections we have issued to your municipality, newest first.",
    },
    "statements_none": {
        "da": "Der er ikke udstedt nogen opgørelser endnu.",
        "en": "No statements have been issued yet.",
    },
    "statements_none_on_page": {
        "da": "Der er ingen opgørelser på side {page}.",
        "en": "There are no statements on page {page}.",
    },
    "statements_caption": {"da": "Opgørelser, side {page}", "en": "Statements, page {page}"},
    "col_number": {"da": "Nummer", "en": "Number"},
    "col_type": {"da": "Type", "en": "Type"},
    "col_period": {"da": "Periode", "en": "Period"},
    "col_issued": {"da": "Udstedt", "en": "Issued"},
    "col_amount": {"da": "Beløb", "en": "Amount"},
    "col_unique_citizens": {"da": "Unikke borgere", "en": "Unique citizens"},
    "col_documents": {"da": "Dokumenter", "en": "Documents"},
    "type_statement": {"da": "Opgørelse", "en": "Statement"},
    "type_correction_statement": {"da": "Korrektion", "en": "Correction"},
    "period_days": {"da": "{start} – {end}", "en": "{start} – {end}"},
    "open_statement": {"da": "Åbn", "en": "Open"},
    "open_statement_of": {"da": "Åbn {kind} {number}", "en": "Open {kind} {number}"},
    "download_pdf": {"da": "PDF", "en": "PDF"},
    "download_csv": {"da": "CSV", "en": "CSV"},
    "download_xml": {"da": "Peppol XML", "en": "Peppol XML"},
    "download_of": {"da": "Hent {format} af {kind} {number}", "en": "Download the {format} of {kind} {number}"},
    # One statement
    "statement_heading": {"da": "{kind} {number}", "en": "{kind} {number}"},
    "corrects_statement": {"da": "Korrigerer opgørelse {number}", "en": "Corrects statement {number}"},
    "statement_facts": {"da": "Oplysninger", "en": "Details"},
    "fact_due": {"da": "Forfald", "en": "Due"},
    "fact_hours": {"da": "Timer i alt", "en": "Hours in all"},
    "fact_unique_citizens": {"da": "Unikke borgere i perioden", "en": "Unique citizens in the period"},
    "fact_unique_to_date": {"da": "Unikke borgere til dato", "en": "Unique citizens to date"},
    "fact_target": {"da": "Mål", "en": "Target"},
    "lines_caption": {"da": "Linjer", "en": "Lines"},
    "col_citizen": {"da": "Borgerreference", "en": "Citizen reference"},
    "col_work_dates": {"da": "Arbejdsdage", "en": "Work dates"},
    "col_rate": {"da": "Sats pr. time", "en": "Rate per hour"},
    "line_late": {"da": "sen", "en": "late"},
    "line_adjustment": {"da": "regulering", "en": "adjustment"},
    "line_work_dates": {"da": "{first} – {last}", "en": "{first} – {last}"},
    "totals_excl_vat": {"da": "Beløb ekskl. moms", "en": "Amount excluding VAT"},
    "totals_vat": {"da": "Moms ({rate} %)", "en": "VAT ({rate} %)"},
    # As the PDF (invoicing.statement_documents.models.vat_text): the category's words and the agreement's reason.
    "totals_vat_exempt": {"da": "Momsfritaget: {reason}", "en": "Exempt from VAT: {reason}"},
    "totals_vat_outside_scope": {
        "da": "Uden for momsens anvendelsesområde: {reason}",
        "en": "Outside the scope of VAT: {reason}",
    },
    "vat_reason_missing": {"da": "årsag ikke angivet", "en": "reason not stated"},
    "totals_total": {"da": "I alt", "en": "Total"},
    "back_to_statements": {"da": "Tilbage til opgørelserne", "en": "Back to the statements"},
    "back_to_progress": {"da": "Til fremdriften", "en": "To the progress page"},
    # Messages
    "no_access_title": {"da": "Ingen adgang", "en": "No access"},
    "no_access_text": {
        "da": "Siderne er for kommunens brugere. Log ind med det link, du har fået til din kommune.",
        "en": "These pages are for the municipality's users. Log in with the link you were given for your "
        "municipality.",
    },
    "log_in_again": {"da": "Log ind igen", "en": "Log in again"},
    "page_invalid_title": {"da": "Ugyldigt sidenummer", "en": "Invalid page number"},
    "page_invalid_text": {
        "da": "Sidenummeret skal være et helt tal fra 1 til {max}. Der vises ingen anden side i stedet.",
        "en": "The page number must be a whole number from 1 to {max}. No other page is shown instead.",
    },
    "as_of_invalid_title": {"da": "Ugyldig dato", "en": "Invalid date"},
    "as_of_invalid_text": {
        "da": "Datoen (as_of) skal skrives ÅÅÅÅ-MM-DD og være en rigtig dato, fx {example} (date-format).",
        "en": "The date (as_of) must be written YYYY-MM-DD and be a real date, such as {example} (date-format).",
    },
    "as_of_out_of_range_text": {
        "da": "Datoen (as_of) skal ligge fra {first} til {last} (date-out-of-range).",
        "en": "The date (as_of) must lie from {first} to {last} (date-out-of-range).",
    },
    "as_of_future_title": {"da": "Datoen ligger i fremtiden", "en": "The date is in the future"},
    "as_of_future_text": {
        "da": "Tallene kan kun vises til og med i dag ({today}). Vælg i dag eller en tidligere dato.",
        "en": "The figures can only be shown up to today ({today}). Choose today or an earlier date.",
    },
    "municipality_unknown_title": {"da": "Ingen tal endnu", "en": "No figures yet"},
    "municipality_unknown_text": {
        "da": "Vi har endnu ingen aftale registreret for jeres kommune, så der er ingen tal at vise.",
        "en": "We have no agreement registered for your municipality yet, so there are no figures to show.",
    },
    "document_not_ready_title": {"da": "Dokumentet er ikke klar endnu", "en": "The document is not ready yet"},
    "document_not_ready_text": {
        "da": "Opgørelsen er udstedt, men dens Peppol-dokument bliver stadig lavet. Prøv igen om et øjeblik.",
        "en": "The statement has been issued, but its Peppol document is still being made. Try again in a moment.",
    },
    "not_found_title": {"da": "Ikke fundet", "en": "Not found"},
    "not_found_text": {
        "da": "Opgørelsen findes ikke, eller du har ikke adgang til den.",
        "en": "That statement does not exist, or you do not have access to it.",
    },
    "page_not_found_text": {
        "da": "Den side findes ikke. Brug menuen, eller gå til fremdriften.",
        "en": "That page does not exist. Use the menu, or go to the progress page.",
    },
}


class Translator(BaseTranslator):
    """The municipality pages' words (and the shared formats: ``t.full_date``, ``t.month``, ``t.kroner``…) in one
    locale."""

    catalogue = CATALOGUE

    def short_month(self, first: date) -> str:
        """A month by any of its days, short for a chart's axis (Babel, CLDR): ``okt. 2026`` / ``Oct 2026``."""
        return format_date(first, "MMM y", locale=self.locale)

    def kpi_month(self, month: str) -> str:
        """A KPI month ``YYYY-MM`` by its name: ``oktober 2026`` / ``October 2026``."""
        return self.month(date.fromisoformat(f"{month}-01"))

    def number(self, value: int) -> str:
        """A whole number with the language's grouping (Babel): ``1500`` → ``1.500`` / ``1,500``."""
        return format_decimal(value, locale=self.locale)

    def permille(self, share: int) -> str:
        """A share in per mille as a percentage with one decimal, the page language's way: ``667`` → ``66,7 %``
        (a no-break space) / ``66.7%`` (Babel's percent format)."""
        return format_percent(Decimal(share).scaleb(-3), format=_PERCENT_FORMAT[self.locale], locale=self.locale)

    def end_reason(self, reason: str) -> str:
        """An end reason's name; a reason placement publishes later and this catalogue does not know yet is shown
        as it is sent."""
        key = f"end_reason_{reason}"
        return self(key) if key in self.catalogue else reason

    def vat(self, vat: VatTerms) -> str:
        """The VAT line's label of an issued statement, as its PDF states it
        (:func:`invoicing.statement_documents.models.vat_text`): ``S``: ``Moms (25 %)`` / ``VAT (25 %)``; ``E``:
        ``Momsfritaget: <reason>`` / ``Exempt from VAT: <reason>``; ``O``: ``Uden for momsens anvendelsesområde:
        <reason>`` / ``Outside the scope of VAT: <reason>`` (the reason as the agreement states it)."""
        if vat.category is VatCategory.STANDARD:
            return self("totals_vat", rate=vat.rate_percent)
        reason = vat.exemption_reason or self("vat_reason_missing")
        key = "totals_vat_exempt" if vat.category is VatCategory.EXEMPT else "totals_vat_outside_scope"
        return self(key, reason=reason)
