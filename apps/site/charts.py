"""Charts as SVG drawn on the server: pygal for bars and lines, a laid-out SVG for the summit timeline.

Nothing is fetched from another host: pygal's optional tooltip script (which it would load from its own
site) is switched off, so each chart is plain inline SVG and shows with JavaScript off too.
"""

import re
from datetime import date

import pygal
from django.utils.safestring import mark_safe
from pygal.style import Style

# Dark text on white (WCAG AA contrast), colour-blind-safe series colours (Okabe–Ito); 13 px text on the
# 800-unit canvas stays 12 px or more where the page keeps a chart at least 740 px wide (site.css).
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#595959",
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    value_label_font_size=13,
    legend_font_size=13,
    title_font_size=15,
    colors=("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"),
)
CONFIG = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "explicit_size": False,
    "truncate_label": -1,
    "truncate_legend": -1,
}


def _svg(chart):
    """The chart as inline SVG without pygal's inline <script> (its config for the tooltip script, which
    is off): the Content-Security-Policy allows scripts from this site's files only."""
    svg = SCRIPT_ELEMENT.sub("", chart.render(is_unicode=True))
    return mark_safe(svg)  # pygal escapes the labels it writes


SCRIPT_ELEMENT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)


def billions(value):
    """20_000_000_000 → '$20.0 bn' (axis and value labels)."""
    return f"${value / 1_000_000_000:,.1f} bn"


def donor_totals(totals):
    """Horizontal bars: each donor's counted USD total, the label keeping its qualifier ('about 20.0 bn USD')."""
    chart = pygal.HorizontalBar(
        **CONFIG,
        title="Pledged, in USD (components not counted twice)",
        show_legend=False,
        value_formatter=billions,
        height=140 + 50 * len(totals),
        print_labels=True,
        x_labels_major_count=6,
        show_minor_x_labels=False,
    )
    ordered = [t for t in reversed(totals) if t["total_usd"]]
    chart.x_labels = [f"{t['donor'].name_en} ({t['donor'].name_ru})" for t in ordered]
    chart.add(
        "USD",
        [
            {
                "value": float(t["total_usd"]),
                "label": " ".join(p for p in [t["qualifier"], billions(t["total_usd"])] if p),
            }
            for t in ordered
        ],
    )
    return _svg(chart)


def usd_scale(largest):
    """(divisor, unit) that writes the largest value with a few digits: bn, mn, thousand or plain USD."""
    for divisor, unit in ((1e9, "bn"), (1e6, "mn"), (1e3, "thousand")):
        if largest >= divisor:
            return divisor, unit
    return 1, ""


def usd_formatter(largest):
    """A value formatter on one scale for a whole chart: 2.5e9 → '$2.5 bn' where the largest is billions."""
    divisor, unit = usd_scale(largest)
    return lambda value: f"${value / divisor:,.1f} {unit}".rstrip()


TRADE_CHART_PARTNERS = 8  # lines a reader can tell apart; the table has every partner


def trade_by_partner(state, trade, flow_label):
    """Lines per partner (the largest TRADE_CHART_PARTNERS): the state's reported `flow_label` in USD by year.

    `trade` is apps.trade.selectors.state_trade_by_partner's answer; World is not a line here (its
    total would flatten every partner's line): it is the denominator of trade_share_of_world.
    """
    years = trade["years"]
    partners = list(trade["partners"].values())[:TRADE_CHART_PARTNERS]
    largest = max((float(v) for p in partners for v in p["values"].values()), default=0)
    chart = pygal.Line(
        **CONFIG,
        title=f"{flow_label} reported by {state.name_en}, USD, by partner (World apart)",
        value_formatter=usd_formatter(largest),
        x_labels=[str(year) for year in years],
        height=380,
        legend_at_bottom=True,
    )
    for partner in partners:
        chart.add(partner["name_en"], [_float(partner["values"].get(year)) for year in years])
    return _svg(chart)


def trade_share_of_world(state, trade, flow_label):
    """Lines per partner: its share (%) of the state's `flow_label` with World, by year; None without World figures."""
    world = trade["world"]
    if not world:
        return None
    years = trade["years"]
    chart = pygal.Line(
        **CONFIG,
        title=f"Share of {state.name_en}'s {flow_label.lower()} with World, %",
        value_formatter=lambda value: f"{value:.1f} %",
        x_labels=[str(year) for year in years],
        height=380,
        legend_at_bottom=True,
    )
    for partner in list(trade["partners"].values())[:TRADE_CHART_PARTNERS]:
        chart.add(
            partner["name_en"],
            [
                float(partner["values"][year] / world[year] * 100)
                if year in partner["values"] and world.get(year)
                else None
                for year in years
            ],
        )
    return _svg(chart)


def _float(value):
    return None if value is None else float(value)


# Room for a year's label on the timeline's axis (SVG units): four 14-unit digits and a gap. Years closer than that
# keep their grid line but only every 2nd, 5th or 10th is labelled (29 years on 710 units overlapped into one
# unreadable run of digits).
YEAR_LABEL_UNITS = 44
YEAR_LABEL_STEPS = (1, 2, 5, 10, 20, 50)


def summit_timeline(lanes, width=900, lane_height=46, margin=210):
    """Positions for the timeline's SVG: one lane per partner, a dot per dated summit on a yearly axis.

    Returns None when no summit has a date (the undated ones are listed apart, never placed on the axis);
    else {'width', 'height', 'years': [(year, x, labelled)], 'lanes': [{partner, y, summits: [(summit, x)]}]}:
    every year has a grid line at x; `labelled` years (multiples of the smallest step in YEAR_LABEL_STEPS that
    keeps labels YEAR_LABEL_UNITS apart) carry its number. `margin` holds the lanes' names ("Gulf Cooperation
    Council" at 14 units).
    """
    dated = [s.date for lane in lanes for s in lane["dated"]]
    if not dated:
        return None
    first, last = min(dated).year, max(dated).year + 1
    span = (date(last, 12, 31) - date(first, 1, 1)).days

    def x(day):
        return margin + (width - margin - 20) * (day - date(first, 1, 1)).days / span

    placed = []
    for index, lane in enumerate(lanes):
        placed.append(
            {
                "partner": lane["partner"],
                "y": 30 + index * lane_height,
                "summits": [(s, round(x(s.date), 1)) for s in lane["dated"]],
            }
        )
    year_units = (width - margin - 20) * 365.25 / span
    step = next((s for s in YEAR_LABEL_STEPS if s * year_units >= YEAR_LABEL_UNITS), YEAR_LABEL_STEPS[-1])
    return {
        "width": width,
        "height": 40 + len(lanes) * lane_height,
        "margin": margin,
        "years": [(year, round(x(date(year, 1, 1)), 1), year % step == 0) for year in range(first, last + 1)],
        "lanes": placed,
    }
