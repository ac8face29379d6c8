"""The progress page's charts: :class:`~invoicing.municipality_kpis.models.MunicipalityKpis` → inline SVG, drawn on
the server by matplotlib (no script, no network, no font download: the text stays text, ``svg.fonttype`` ``none``,
measured with matplotlib's bundled DejaVu Sans).

Pure functions (CPU work: the endpoint runs :func:`render_charts` in a worker thread). matplotlib's object API only
(:class:`matplotlib.figure.Figure` on :class:`~matplotlib.backends.backend_svg.FigureCanvasSVG`, never pyplot, so no
GUI backend and no global figure state). matplotlib is imported on the first render, not with the service: its
import costs about 1.1 s of CPU (``python -X importtime``: ``matplotlib.figure`` 1.09 s cumulative, measured on the
development machine), which the worker role and the API never need.

Each SVG is deterministic (the same figures and language give the same bytes: ``svg.hashsalt`` is the chart's id,
no date or creator in the metadata) and made fit for an HTML page and its CSP (``style-src 'self'``, which refuses
inline styles, so matplotlib's ``style="…"`` attributes and its ``<style>`` element become presentation attributes):

- the XML prologue, DOCTYPE and metadata are dropped; the root ``<svg>`` gets ``width="100%"`` (it keeps its
  ``viewBox``, so it scales with the page), ``role="img"`` and ``aria-labelledby`` naming its ``<title>`` and
  ``<desc>`` in the visitor's language;
- matplotlib's own element ids (``figure_1``, ``patch_3``, clip paths, markers) are prefixed with the chart's id,
  references included, so three charts on one page never share an id; the ids the charts set on purpose stay:
  every bar of the hours chart is ``<g id="hours-bar-YYYY-MM">`` and the placements chart's are
  ``placements-started-YYYY-MM`` / ``placements-ended-YYYY-MM`` (one per listed month; a test counts them).

Units: minutes become hours (``minutes / 60``) only on the drawing; the tables beside each chart state the exact
integers."""

from __future__ import annotations

import io
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from lxml import etree

from invoicing.municipality_kpis.models import MunicipalityKpis
from invoicing.municipality_pages.i18n import Translator

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "CITIZENS_CHART",
    "HOURS_CHART",
    "PLACEMENTS_CHART",
    "Charts",
    "citizens_chart",
    "hours_chart",
    "placements_chart",
    "render_charts",
]

CITIZENS_CHART = "chart-citizens"
HOURS_CHART = "chart-hours"
PLACEMENTS_CHART = "chart-placements"
# Inches at 72 units an inch: the viewBox is 360 × 216 and the page scales it to its width, about 366 px on a
# 390 px phone (scale ≈ 1.0) and at most 34rem (544 px, scale ≈ 1.5) on a desktop (vikar.css ``figure.chart svg``).
# A small figure keeps the text large relative to the drawing: FONT_SIZE units are about 11 px on the phone and
# 17 px on the desktop (every text of the chart: ticks, legend, axis label).
FIGURE_SIZE = (5.0, 3.0)
FONT_SIZE = 11
# At most this many month labels on an axis (every n-th month is labelled when more are listed). The widest label
# ("sep. 2026" at FONT_SIZE) takes about 60 units; the x axis is about 300 units wide, and with n months labelled
# every ceil(n / MAX_LABELS)-th the labels' centres lie at least 300 / MAX_LABELS = 75 units apart: they never touch
# (the browser test measures it at 1, 10 and 60 months on a phone and a desktop).
MAX_LABELS = 4
COLOURS = {"line": "#1f5f8b", "target": "#b03a2e", "hours": "#1f5f8b", "started": "#2e7d32", "ended": "#8d6e00"}
SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_REFERENCE = re.compile(r"url\(#([^)]+)\)")
# rcParams are global: one render at a time (another thread's rc_context would interleave with this one's).
_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True)
class Charts:
    """The three charts of the progress page, each one ``<svg>`` element as text."""

    citizens: str
    hours: str
    placements: str


def _months(kpis: MunicipalityKpis) -> list[date]:
    return [date.fromisoformat(f"{m.month}-01") for m in kpis.months]


def _label_months(ax: Axes, months: list[date], t: Translator) -> None:
    """Month labels (Babel's abbreviated month and year in the page's language) under every n-th month."""
    step = max(1, math.ceil(len(months) / MAX_LABELS))
    positions = list(range(0, len(months), step))
    ax.set_xticks(positions, [t.short_month(months[i]) for i in positions])
    ax.tick_params(axis="x", labelsize=FONT_SIZE)
    ax.set_xlim(-0.6, max(len(months), 1) - 0.4)


def _axes(figure: Figure, ylabel: str, t: Translator) -> Axes:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax = figure.add_subplot()
    ax.set_ylabel(ylabel, fontsize=FONT_SIZE)
    ax.tick_params(axis="y", labelsize=FONT_SIZE)
    # Whole numbers only (citizens, placements, hours), written the page language's way (Babel: 1.500 / 1,500).
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=2))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: t.number(round(value))))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    return ax


def _legend_above(ax: Axes) -> None:
    """The legend in a row above the plot, never over a line or a bar."""
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, frameon=False, fontsize=FONT_SIZE, borderaxespad=0.2)


def citizens_chart(kpis: MunicipalityKpis, t: Translator) -> str:
    """Unique citizens reached, cumulative per month (a line), with the agreement's target as a horizontal line
    when the terms set one."""
    months = _months(kpis)

    def draw(figure: Figure) -> None:
        ax = _axes(figure, t("chart_citizens_axis"), t)
        values = [m.unique_citizens_cumulative for m in kpis.months]
        ax.plot(range(len(values)), values, color=COLOURS["line"], marker="o", markersize=3, label=t("legend_citizens"))
        if kpis.target_unique_citizens is not None:
            target = kpis.target_unique_citizens
            ax.axhline(target, color=COLOURS["target"], linestyle="--", label=t("legend_target", target=target))
        top = max([*values, kpis.target_unique_citizens or 0, 1])
        ax.set_ylim(0, top * 1.1)
        _label_months(ax, months, t)
        _legend_above(ax)

    target_text = (
        t("chart_citizens_desc_target", target=kpis.target_unique_citizens)
        if kpis.target_unique_citizens is not None
        else t("chart_citizens_desc_no_target")
    )
    desc = t("chart_citizens_desc", count=kpis.unique_citizens, as_of=t.full_date(kpis.as_of)) + " " + target_text
    return _render(CITIZENS_CHART, draw, t("chart_citizens_title"), desc)


def hours_chart(kpis: MunicipalityKpis, t: Translator) -> str:
    """Co-financed hours per month: one bar per listed month, ``<g id="hours-bar-YYYY-MM">``."""

    def draw(figure: Figure) -> None:
        ax = _axes(figure, t("chart_hours_axis"), t)
        hours = [m.co_financed_minutes / 60 for m in kpis.months]
        bars = ax.bar(range(len(hours)), hours, width=0.7, color=COLOURS["hours"])
        for bar, month in zip(bars.patches, kpis.months, strict=True):
            bar.set_gid(f"hours-bar-{month.month}")
        # From 0, and at least 1 hour high: months without hours never make an axis of "0 0 0 0".
        ax.set_ylim(0, max([*hours, 1]) * 1.1)
        _label_months(ax, _months(kpis), t)

    desc = t.plural("chart_hours_desc", len(kpis.months), hours=t.hours(kpis.co_financed_minutes))
    return _render(HOURS_CHART, draw, t("chart_hours_title"), desc)


def placements_chart(kpis: MunicipalityKpis, t: Translator) -> str:
    """Placements started and ended per month as grouped bars: ``placements-started-YYYY-MM`` and
    ``placements-ended-YYYY-MM``, one of each per listed month."""

    def draw(figure: Figure) -> None:
        ax = _axes(figure, t("chart_placements_axis"), t)
        width = 0.38
        positions = range(len(kpis.months))
        started = ax.bar(
            [p - width / 2 for p in positions],
            [m.placements_started for m in kpis.months],
            width=width,
            color=COLOURS["started"],
            label=t("legend_started"),
        )
        ended = ax.bar(
            [p + width / 2 for p in positions],
            [m.placements_ended for m in kpis.months],
            width=width,
            color=COLOURS["ended"],
            label=t("legend_ended"),
        )
        for bar, month in zip(started.patches, kpis.months, strict=True):
            bar.set_gid(f"placements-started-{month.month}")
        for bar, month in zip(ended.patches, kpis.months, strict=True):
            bar.set_gid(f"placements-ended-{month.month}")
        top = max([m.placements_started for m in kpis.months] + [m.placements_ended for m in kpis.months] + [1])
        ax.set_ylim(0, top * 1.15)
        _label_months(ax, _months(kpis), t)
        _legend_above(ax)

    desc = t("chart_placements_desc", started=kpis.placements_started, ended=kpis.placements_ended)
    return _render(PLACEMENTS_CHART, draw, t("chart_placements_title"), desc)


def render_charts(kpis: MunicipalityKpis, t: Translator) -> Charts:
    """The three charts (CPU work: call it in a worker thread)."""
    return Charts(citizens_chart(kpis, t), hours_chart(kpis, t), placements_chart(kpis, t))


def _render(chart_id: str, draw: Callable[[Figure], None], title: str, desc: str) -> str:
    """A figure drawn by ``draw(figure)`` as an inline ``<svg>`` (see the module docstring)."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    # Text as text, ids salted by the chart (deterministic, distinct per chart), matplotlib's bundled font.
    settings = matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": chart_id,
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans"],
            "font.size": FONT_SIZE,
        }
    )
    with _RENDER_LOCK, settings:
        figure = Figure(figsize=FIGURE_SIZE, layout="constrained")
        FigureCanvasSVG(figure)
        draw(figure)
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return inline_svg(buffer.getvalue(), chart_id, title, desc)


def inline_svg(document: bytes, chart_id: str, title: str, desc: str) -> str:
    """matplotlib's SVG ``document`` as one ``<svg>`` element for an HTML page (see the module docstring):
    ``role="img"``, ``aria-labelledby`` its ``<title>`` and ``<desc>`` (ids ``{chart_id}-title`` / ``-desc``),
    ``width="100%"``, no prologue, metadata, ``<style>`` or ``style`` attribute, matplotlib's ids prefixed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False)
    root = etree.fromstring(document, parser)
    for node in root.iter(f"{{{SVG_NS}}}metadata", f"{{{SVG_NS}}}style"):
        node.getparent().remove(node)
    for node in list(root.iter(f"{{{SVG_NS}}}defs")):
        if len(node) == 0:
            node.getparent().remove(node)
    own = {f"{chart_id}-title", f"{chart_id}-desc"}
    renamed = {}
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        style = node.attrib.pop("style", None)
        if style:
            for declaration in style.split(";"):
                name, _, value = declaration.partition(":")
                if name.strip():
                    node.set(name.strip(), value.strip())
        if "font-family" in node.attrib and "sans-serif" not in node.attrib["font-family"]:
            node.set("font-family", node.attrib["font-family"] + ", sans-serif")
        element_id = node.get("id")
        if element_id and not element_id.startswith(("hours-bar-", "placements-started-", "placements-ended-")):
            renamed[element_id] = f"{chart_id}-{element_id}"
            node.set("id", renamed[element_id])
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        for name, value in node.attrib.items():
            if name == XLINK_HREF or name == "href":
                if value.startswith("#") and value[1:] in renamed:
                    node.set(name, "#" + renamed[value[1:]])
            elif "url(#" in value:
                node.set(name, _REFERENCE.sub(lambda m: f"url(#{renamed.get(m.group(1), m.group(1))})", value))
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    root.set("width", "100%")
    root.set("role", "img")
    root.set("aria-labelledby", f"{chart_id}-title {chart_id}-desc")
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    title_node = etree.Element(f"{{{SVG_NS}}}title", id=f"{chart_id}-title")
    title_node.text = title
    desc_node = etree.Element(f"{{{SVG_NS}}}desc", id=f"{chart_id}-desc")
    desc_node.text = desc
    root.insert(0, desc_node)
    root.insert(0, title_node)
    assert not own & set(renamed.values()), "matplotlib never names an element like the title or desc"
    return str(etree.tostring(root, encoding="unicode"))
