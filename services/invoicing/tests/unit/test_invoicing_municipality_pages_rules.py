"""The municipality pages' pure parts (issue 12): the ``as_of`` rule, the end reasons' order, the catalogue in both
languages, the SVG charts built from :class:`MunicipalityKpis` objects made here (one bar per listed month with its
id, Babel's month names per language, an accessible title and description, deterministic bytes, fit for the page's
CSP, no network and no missing font) and the progress page's template around them."""

from __future__ import annotations

import logging
import re
import socket
import sys
import uuid
from datetime import date
from typing import Any

import pytest
from lxml import etree
from pydantic import TypeAdapter, ValidationError

from invoicing.municipality_kpis.models import END_REASONS, KpiMonth, MunicipalityKpis, Retention
from invoicing.municipality_pages import charts
from invoicing.municipality_pages.i18n import CATALOGUE, Translator
from invoicing.municipality_pages.models import (
    AsOfInvalidError,
    EndReasonMonth,
    as_of_date,
    end_reason_rows,
    end_reasons_by_month,
)
from invoicing.municipality_pages.pages import SITE
from invoicing.statement_documents.models import vat_text
from invoicing.statements.models import VatCategory, VatTerms
from vikar_shared.testing.pages import visible_text
from vikar_shared.types.periods import Day
from vikar_shared.web.i18n import catalogue_problems

DA, EN = Translator("da"), Translator("en")
TODAY = date(2026, 12, 10)
SVG = "{http://www.w3.org/2000/svg}"


def _kpis(
    months: list[KpiMonth] | None = None, *, target: int | None = 40, agreement_from: date = date(2026, 10, 1)
) -> MunicipalityKpis:
    """October to December 2026: 3, then 3 and 1 new citizens (7), 10, 30 and 35 hours, 3 + 1 + 1 placements
    started, 1 ended in November (education) and 1 in December (dropped out); retention 30 days 2 of 3."""
    listed = months or [
        KpiMonth("2026-10", 3, 3, 600, 3, 0),
        KpiMonth("2026-11", 6, 3, 1_800, 1, 1, {"education": 1}),
        KpiMonth("2026-12", 7, 1, 2_100, 1, 1, {"dropped_out": 1}),
    ]
    return MunicipalityKpis(
        municipality_id=uuid.uuid4(),
        municipality_name="Aalborg Kommune",
        as_of=TODAY,
        agreement_from=agreement_from,
        target_unique_citizens=target,
        unique_citizens=listed[-1].unique_citizens_cumulative,
        co_financed_minutes=sum(m.co_financed_minutes for m in listed),
        placements_started=sum(m.placements_started for m in listed),
        placements_ended=sum(m.placements_ended for m in listed),
        months=listed,
        end_reasons={"education": 1, "dropped_out": 1},
        retention=[Retention(30, 3, 2), Retention(90, 0, 0)],
    )


def _ids(svg: str, prefix: str) -> list[str]:
    return re.findall(rf'<g id="({prefix}[^"]*)"', svg)


def _texts(svg: str) -> list[str]:
    root = etree.fromstring(svg.encode())
    return ["".join(node.itertext()) for node in root.iter(f"{SVG}text")]


# --- rules ------------------------------------------------------------------------------------------------------


def test_the_catalogue_has_every_text_in_both_languages_with_the_same_placeholders() -> None:
    assert catalogue_problems(CATALOGUE) == []
    for reason in END_REASONS:
        assert DA.end_reason(reason) and DA.end_reason(reason) != reason
    assert [DA.end_reason(r) for r in END_REASONS] == [
        "Ansat direkte",
        "Andet job",
        "Flere timer andetsteds",
        "Uddannelse",
        "Flyttet til andet forløb",
        "Afsluttet af virksomheden",
        "Faldet fra",
    ]
    assert DA.end_reason("moved_abroad") == "moved_abroad", "a reason not known yet is shown as sent"


def test_as_of_is_today_by_default_and_otherwise_what_the_kpi_api_accepts() -> None:
    """The page parses ``as_of`` with the API's own parser (``vikar_shared.types.periods``, behind the ``Day`` query
    type of ``GET /municipalities/{id}/kpis``): the same values accepted as the same dates, the same refused for the
    same rule. Only an empty field (a cleared form) means today on the page."""
    assert as_of_date(None, TODAY) == TODAY
    assert as_of_date("", TODAY) == TODAY
    assert as_of_date("2026-02-28", TODAY) == date(2026, 2, 28)
    assert as_of_date("2027-01-01", TODAY) == date(2027, 1, 1), "the future is the KPI service's to refuse"
    assert as_of_date("２０２６-11-01", TODAY) == date(2026, 11, 1), "full-width digits, as the API"
    api = TypeAdapter(Day)
    for raw in (
        "2026-02-30",
        "20261210",
        "2026-W50-1",
        "10-12-2026",
        "2026-12-1",
        "２０２６-１２-１０",
        "２０２６-11-01",
        " 2026-11-01 ",
        "x",
        "0001-01-01",
        "1999-12-31",
        "2000-01-01",
        "2100-12-31",
        "2101-01-01",
        "9999-12-31",
        "٢٠٢٦-١١-٠١",
        "2026-11-01T00:00",
        "1" * 50,
    ):
        try:
            expected: date | str = api.validate_python(raw)
        except ValidationError as error:
            expected = error.errors()[0]["type"]
        try:
            got: date | str = as_of_date(raw, TODAY)
        except AsOfInvalidError as refused:
            got = refused.rule
        assert got == expected, raw
    with pytest.raises(AsOfInvalidError) as refused:
        as_of_date("0001-01-01", TODAY)
    assert refused.value.rule == "date-out-of-range"
    with pytest.raises(AsOfInvalidError) as refused:
        as_of_date("2026-02-30", TODAY)
    assert refused.value.rule == "date-format"


def test_end_reasons_are_listed_in_placements_order_with_zeros_and_unknown_ones_last() -> None:
    rows = end_reason_rows({"dropped_out": 2, "hired_directly": 1, "moved_abroad": 1})
    assert rows == [
        ("hired_directly", 1),
        ("other_job", 0),
        ("more_hours_elsewhere", 0),
        ("education", 0),
        ("moved_to_other_placement", 0),
        ("ended_by_company", 0),
        ("dropped_out", 2),
        ("moved_abroad", 1),
    ]


def test_shares_and_months_are_written_the_page_languages_way() -> None:
    assert DA.permille(667) == "66,7\xa0%"
    assert EN.permille(667) == "66.7%"
    assert (DA.kpi_month("2026-10"), EN.kpi_month("2026-10")) == ("oktober 2026", "October 2026")
    assert (DA.short_month(date(2026, 5, 1)), EN.short_month(date(2026, 5, 1))) == ("maj 2026", "May 2026")


# --- charts -----------------------------------------------------------------------------------------------------


def test_the_hours_chart_has_one_bar_per_listed_month_with_its_id() -> None:
    svg = charts.hours_chart(_kpis(), DA)
    assert _ids(svg, "hours-bar-") == ["hours-bar-2026-10", "hours-bar-2026-11", "hours-bar-2026-12"]
    sixty = [KpiMonth(f"{2022 + i // 12}-{i % 12 + 1:02d}", i, 1, 60 * i, 0, 0) for i in range(60)]
    many = charts.hours_chart(_kpis(sixty), DA)
    assert len(_ids(many, "hours-bar-")) == 60
    assert _ids(many, "hours-bar-")[0] == "hours-bar-2022-01" and _ids(many, "hours-bar-")[-1] == "hours-bar-2026-12"
    month_labels = [text for text in _texts(many) if re.fullmatch(r"\w+\.? 20\d\d", text)]
    assert 1 < len(month_labels) <= charts.MAX_LABELS, "every n-th month is labelled, never 60 crowded labels"


def test_the_placements_chart_has_a_started_and_an_ended_bar_per_month() -> None:
    svg = charts.placements_chart(_kpis(), EN)
    assert _ids(svg, "placements-started-") == [f"placements-started-2026-{m}" for m in ("10", "11", "12")]
    assert _ids(svg, "placements-ended-") == [f"placements-ended-2026-{m}" for m in ("10", "11", "12")]
    assert {"Started", "Ended"} <= set(_texts(svg))


def test_the_citizens_chart_draws_the_target_when_there_is_one() -> None:
    with_target = _texts(charts.citizens_chart(_kpis(), DA))
    assert "Mål (40)" in with_target and "Unikke borgere" in with_target
    without = charts.citizens_chart(_kpis(target=None), EN)
    assert not any(text.startswith("Target") for text in _texts(without))
    assert "The agreement has no target." in without


def test_charts_speak_the_visitors_language_with_babels_month_names() -> None:
    da, en = charts.render_charts(_kpis(), DA), charts.render_charts(_kpis(), EN)
    assert {"okt. 2026", "nov. 2026", "dec. 2026"} <= set(_texts(da.hours))
    assert {"Oct 2026", "Nov 2026", "Dec 2026"} <= set(_texts(en.hours))
    assert '<title id="chart-hours-title">Medfinansierede timer pr. måned</title>' in da.hours
    assert '<title id="chart-hours-title">Co-financed hours per month</title>' in en.hours
    assert "i alt 75:00 timer" in da.hours and "75:00 hours in all" in en.hours
    busy = _kpis([KpiMonth("2026-10", 3, 3, 90_000, 0, 0)])
    assert "1.500" in _texts(charts.hours_chart(busy, DA)), "the axis groups thousands the Danish way"
    assert "1,500" in _texts(charts.hours_chart(busy, EN))


def test_charts_are_inline_accessible_svg_fit_for_the_pages_csp() -> None:
    drawn = charts.render_charts(_kpis(), DA)
    every_id: list[str] = []
    for chart_id, svg in (
        ("chart-citizens", drawn.citizens),
        ("chart-hours", drawn.hours),
        ("chart-placements", drawn.placements),
    ):
        assert svg.startswith("<svg"), "no XML prologue or DOCTYPE inside a page"
        root = etree.fromstring(svg.encode())
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
        assert root.get("width") == "100%" and root.get("height") is None and root.get("viewBox")
        assert root[0].tag == f"{SVG}title" and root[1].tag == f"{SVG}desc"
        # style-src 'self' refuses inline styles: presentation attributes only.
        assert " style=" not in svg and "<style" not in svg and "<metadata" not in svg
        ids = [node.get("id") for node in root.iter() if node.get("id")]
        every_id += ids
        for reference in re.findall(r'(?:url\(#|href="#)([^)"]+)', svg):
            assert reference in ids, f"{reference} refers to an element of the same chart"
    assert len(every_id) == len(set(every_id)), "three charts on one page share no id"


def test_charts_are_deterministic_and_drawn_without_pyplot() -> None:
    first = charts.render_charts(_kpis(), EN)
    assert charts.render_charts(_kpis(), EN) == first
    assert charts.render_charts(_kpis(), DA) != first
    assert "matplotlib.pyplot" not in sys.modules, "the object API only: no GUI backend, no global figures"


def test_charts_need_no_network_and_find_their_font(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a chart tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        svg = charts.citizens_chart(_kpis(), DA)
    assert "findfont" not in caplog.text, "the font is matplotlib's bundled DejaVu Sans"
    assert set(re.findall(r'font-family="([^"]*)"', svg)) == {"'DejaVu Sans', sans-serif"}
    assert "Unikke borgere" in _texts(svg), "text stays text (svg.fonttype none), never glyph paths"


# --- the progress page's template ---------------------------------------------------------------------------------


def _progress(t: Translator, kpis: MunicipalityKpis) -> str:
    drawn = charts.render_charts(kpis, t) if kpis.months else None
    other = t("other_language_code")
    return SITE.environment.get_template("municipality/progress.html").render(
        t=t,
        locale=t.locale,
        other_locale=other,
        switch_url=f"/municipality/progress?lang={other}",
        static_prefix="/municipality",
        **{**SITE.defaults, "email": "jobcenter@aalborg.dk", "csrf_token": "c", "nav": "progress"},
        kpis=kpis,
        charts=drawn,
        end_reasons=end_reason_rows(kpis.end_reasons),
        monthly_end_reasons=end_reasons_by_month(kpis.months),
        today=TODAY,
    )


def test_the_progress_page_shows_the_figures_charts_and_their_tables_in_danish_and_english() -> None:
    da = _progress(DA, _kpis())
    for figure in ("chart-citizens", "chart-hours", "chart-placements"):
        assert len(re.findall(rf'<figure id="{figure}"', da)) == 1
    assert len(_ids(da, "hours-bar-")) == 3
    text = visible_text(da)
    assert "Unikke borgere 7 af målet 40" in text
    assert "Medfinansierede timer 75:00" in text
    assert "Forløb startet 5" in text and "Forløb afsluttet 2" in text
    assert "I arbejde 30 dage efter første dag 2 af 3 (66,7 %)" in text
    assert "I arbejde 90 dage efter første dag Ingen målt endnu" in text
    assert "Uddannelse 1" in text and "Faldet fra 1" in text and "Ansat direkte 0" in text
    assert "oktober 2026 3 3" in text, "the citizens chart's table: month, new, so far"
    assert "november 2026 30:00" in text, "the hours chart's table"
    assert 'value="2026-12-10"' in da and 'max="2026-12-10"' in da
    en = visible_text(_progress(EN, _kpis()))
    assert "Unique citizens 7 of the target 40" in en and "In work 30 days after the first day 2 of 3 (66.7%)" in en
    assert "Education 1" in en and "October 2026" in en


def test_a_progress_page_without_months_says_so_and_draws_nothing() -> None:
    empty = _kpis([KpiMonth("2026-12", 0, 0, 0, 0, 0)])
    page = _progress(DA, dataclass_replace(empty, months=[], end_reasons={}, placements_ended=0))
    assert "<svg" not in page and "Der er ingen tal endnu pr. denne dato." in visible_text(page)
    assert "Ingen forløb er afsluttet endnu." in visible_text(page)


def dataclass_replace(kpis: MunicipalityKpis, **changes: Any) -> MunicipalityKpis:
    import dataclasses

    return dataclasses.replace(kpis, **changes)


def test_end_reasons_are_shown_per_month_months_with_ends_as_rows_reasons_as_columns() -> None:
    months = [
        KpiMonth("2026-09", 1, 1, 60, 2, 0),
        KpiMonth("2026-10", 3, 2, 600, 3, 3, {"hired_directly": 1, "dropped_out": 2}),
        KpiMonth("2026-11", 6, 3, 1_800, 1, 0),
        KpiMonth("2026-12", 7, 1, 2_100, 1, 2, {"education": 1, "moved_abroad": 1}),
    ]
    columns, rows = end_reasons_by_month(months)
    assert columns == ["hired_directly", "education", "dropped_out", "moved_abroad"], "placement's order, then new"
    assert rows == [EndReasonMonth("2026-10", 3, (1, 0, 2, 0)), EndReasonMonth("2026-12", 2, (0, 1, 0, 1))]
    assert end_reasons_by_month(months[:1]) == ([], [])

    kpis = dataclass_replace(
        _kpis(months),
        placements_ended=5,
        end_reasons={"hired_directly": 1, "education": 1, "dropped_out": 2, "moved_abroad": 1},
    )
    page = _progress(DA, kpis)
    table = page[page.index('id="end-reasons-by-month"') :]
    table = table[: table.index("</table>")]
    text = visible_text(table)
    assert "Måned Ansat direkte Uddannelse Faldet fra moved_abroad Afsluttet" in text
    assert "oktober 2026 1 0 2 0 3 december 2026 0 1 0 1 2" in text
    assert re.findall(r'<tr id="(end-reasons-[0-9-]+)"', table) == ["end-reasons-2026-10", "end-reasons-2026-12"]
    assert 'data-label="Faldet fra"' in table, "a card on a phone names each figure"
    assert "november" not in text, "a month without ends is no row"
    english = visible_text(_progress(EN, kpis))
    assert "Placements ended per month by reason" in english and "October 2026 1 0 2 0 3" in english
    assert "Uddannelse 1" in visible_text(page), "the totals table stays"
    assert 'id="end-reasons-by-month"' not in _progress(DA, _kpis(months[:1])), "no ends: no table"


def test_a_date_before_the_agreement_began_says_when_it_begins() -> None:
    kpis = dataclass_replace(
        _kpis(target=None, agreement_from=date(2027, 1, 1)),
        months=[],
        unique_citizens=0,
        placements_ended=0,
        end_reasons={},
    )
    da = visible_text(_progress(DA, kpis))
    assert "Aftalen var ikke begyndt pr. 10. december 2026: den begynder 1. januar 2027." in da
    assert "Unikke borgere 0 (aftalen begynder 1. januar 2027)" in da
    assert "intet mål aftalt" not in da
    en = visible_text(_progress(EN, kpis))
    assert "The agreement had not begun as of 10 December 2026: it begins on 1 January 2027." in en
    assert "Unique citizens 0 (the agreement begins on 1 January 2027)" in en
    begun = visible_text(_progress(DA, _kpis(target=None)))
    assert "Unikke borgere 7 (intet mål aftalt)" in begun and "ikke begyndt" not in begun


@pytest.mark.parametrize(
    ("vat", "da", "en"),
    [
        (VatTerms(VatCategory.STANDARD, True), "Moms (25 %)", "VAT (25 %)"),
        (
            VatTerms(VatCategory.EXEMPT, True, "Momsfritaget, momsloven § 13"),
            "Momsfritaget: Momsfritaget, momsloven § 13",
            "Exempt from VAT: Momsfritaget, momsloven § 13",
        ),
        (
            VatTerms(VatCategory.OUTSIDE_SCOPE, True, "Tilskud uden for momsloven"),
            "Uden for momsens anvendelsesområde: Tilskud uden for momsloven",
            "Outside the scope of VAT: Tilskud uden for momsloven",
        ),
    ],
)
def test_the_vat_line_says_what_the_pdf_says(vat: VatTerms, da: str, en: str) -> None:
    assert (DA.vat(vat), EN.vat(vat)) == (da, en)
    if vat.category is not VatCategory.STANDARD:
        assert DA.vat(vat) == vat_text(vat), "the Danish words are the PDF's"
        assert "0 %" not in DA.vat(vat) and "0 %" not in EN.vat(vat)


def test_the_hours_charts_description_agrees_in_number_with_the_months_listed() -> None:
    one = charts.hours_chart(_kpis([KpiMonth("2026-10", 3, 3, 600, 3, 0)]), DA)
    three = charts.hours_chart(_kpis(), EN)
    assert "En søjle for 1 måned; i alt 10:00 timer." in one and "1 måneder" not in one
    assert "One bar per month, 3 months; 75:00 hours in all." in three
