"""Server-rendered SVG charts: they work without JavaScript, in browsers and in WeasyPrint.

Charts use presentation attributes only (no style attributes, no scripts) so they pass the
Content-Security-Policy; each chart is an image with a title and description, and every
page that shows one shows the same figures in a table beside it.
"""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SERIES_COLOURS = ("#1d70b8", "#912b88", "#00703c", "#d4351c")
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
FONT = "Helvetica, Arial, sans-serif"


def _label_width(labels) -> int:
    longest = max((len(str(label)) for label in labels), default=4)
    return min(max(80, longest * 7 + 12), 260)


def bar_chart_svg(
    *,
    chart_id: str,
    title: str,
    rows: list[tuple[str, list[float | int]]],
    series: list[str],
    width: int = 640,
    description: str = "",
) -> SafeString:
    """A horizontal bar chart, one group of bars per row and one bar per series."""
    label_width = _label_width([label for label, _ in rows])
    bar_height, gap, legend_height = 16, 10, 28 if len(series) > 1 else 0
    group_height = bar_height * len(series) + gap
    height = legend_height + group_height * max(len(rows), 1) + 24
    plot_width = width - label_width - 50
    largest = max((value or 0 for _, values in rows for value in values), default=0) or 1

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="{FONT}" '
        f'font-size="13">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description or title)}. '
        "The same figures are in the table beside this chart.</desc>",
    ]
    if len(series) > 1:
        x = label_width
        for index, name in enumerate(series):
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            parts.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{colour}"/>')
            parts.append(f'<text x="{x + 20}" y="18" fill="{TEXT}">{escape(name)}</text>')
            x += 40 + len(name) * 8
    top = legend_height
    parts.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" '
        f'y2="{height - 20}" stroke="{GRID}" stroke-width="1"/>'
    )
    for row_index, (label, values) in enumerate(rows):
        y = top + row_index * group_height + gap / 2
        label_y = y + bar_height * len(series) / 2 + 4
        parts.append(
            f'<text x="{label_width - 8}" y="{label_y:.1f}" text-anchor="end" '
            f'fill="{TEXT}">{escape(label)}</text>'
        )
        for index, value in enumerate(values):
            value = value or 0
            bar = plot_width * value / largest
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            bar_y = y + index * bar_height
            parts.append(
                f'<rect x="{label_width}" y="{bar_y:.1f}" width="{bar:.1f}" '
                f'height="{bar_height - 2}" fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{label_width + bar + 4:.1f}" y="{bar_y + bar_height - 4:.1f}" '
                f'fill="{TEXT}">{_number(value)}</text>'
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text part is escaped above


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def stocktake_charts(result: dict) -> dict[str, SafeString]:
    """The stocktake's charts: delivered and planned by offer; take-up by region."""
    offers = [
        (code, [figures["delivered"], figures["planned"]])
        for code, figures in result["offers"].items()
        if figures["delivered"] or figures["planned"]
    ]
    regions = [
        (name, [figures["delivered"], figures.get("planned", 0)])
        for name, figures in result["regions"].items()
    ]
    return {
        "offers": bar_chart_svg(
            chart_id="chart-offers",
            title="Engagements delivered in the period and planned, by offer",
            rows=offers or [("No engagements", [0, 0])],
            series=["Delivered", "Planned"],
        ),
        "regions": bar_chart_svg(
            chart_id="chart-regions",
            title="Take-up by region: engagements delivered and planned",
            rows=regions,
            series=["Delivered", "Planned"],
        ),
    }
