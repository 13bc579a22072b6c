"""The report as an HTML document: the source of the HTML download and of the PDF."""

from django.template.loader import render_to_string
from django.templatetags.static import static

from reports.render.charts import bar_chart_svg, stocktake_charts

COUNCIL_HEADLINES = [
    ("satisfied_pct", "of respondents were satisfied with the support received", "Satisfied"),
    ("very_satisfied_pct", "were very satisfied", "Very satisfied"),
    ("fairly_satisfied_pct", "were fairly satisfied", "Fairly satisfied"),
    (
        "goals_fully_or_largely_pct",
        "said the goals were fully or largely achieved",
        "Goals fully or largely achieved",
    ),
    ("would_recommend_pct", "would recommend it to another council", "Would recommend"),
    ("very_likely_pct", "said it was very likely they would", "Very likely to recommend"),
    ("fairly_likely_pct", "said it was fairly likely they would", "Fairly likely to recommend"),
    (
        "understood_great_extent_pct",
        "said the team understood their issues to a great extent",
        "Team understood their issues to a great extent",
    ),
]
PEER_HEADLINES = [
    (
        "satisfied_pct",
        "of peer respondents were satisfied with their experience of the team",
        "Satisfied",
    ),
    ("very_satisfied_pct", "were very satisfied", "Very satisfied"),
    ("fairly_satisfied_pct", "were fairly satisfied", "Fairly satisfied"),
]
PRINT_CSS = "reports/print.css"
# The PDF document's base URL: /static/… links resolve under it for the URL fetcher.
PDF_BASE_URL = "https://report.invalid/"
BODY_TEMPLATES = {
    "stocktake": "reports/_stocktake_body.html",
    "rough_sleeping": "reports/_rough_sleeping_body.html",
}


def _rough_sleeping_charts(result: dict) -> dict:
    rows = [(name, [figures["panels"]]) for name, figures in result["regions"].items()]
    return {
        "regions": bar_chart_svg(
            chart_id="chart-panel-regions",
            title="Delivery and impact panels by region",
            rows=rows or [("No panels", [0])],
            series=["Panels"],
        )
    }


def document_context(result: dict) -> dict:
    """What the report templates need besides the result: charts and headline wording."""
    kind = result.get("kind", "stocktake")
    charts = stocktake_charts(result) if kind == "stocktake" else _rough_sleeping_charts(result)
    return {
        "r": result,
        "kind": kind,
        "body_template": BODY_TEMPLATES[kind],
        "charts": charts,
        "council_headlines": COUNCIL_HEADLINES,
        "peer_headlines": PEER_HEADLINES,
        "sections": [
            ("strengths", "Strengths"),
            ("good_practice", "Good practice"),
            ("emerging_issues", "Emerging issues"),
            ("gaps", "Gaps"),
        ],
    }


def render_document_html(result: dict, *, for_pdf: bool) -> str:
    """The whole report as one HTML document (no inline style or script: CSP-clean).

    `for_pdf`: link the print stylesheet under the PDF's base URL (WeasyPrint loads it
    through the static-only URL fetcher); otherwise link it on the site (SITE_URL), so the
    downloaded page is styled when opened and still reads as plain tables offline.
    """
    from django.conf import settings

    context = document_context(result)
    base = (PDF_BASE_URL if for_pdf else settings.SITE_URL).rstrip("/")
    context["stylesheet_url"] = f"{base}{static(PRINT_CSS)}"
    return render_to_string("reports/document.html", context)


def render_html(result: dict) -> bytes:
    """The HTML download: the same document as the PDF's source."""
    return render_document_html(result, for_pdf=False).encode("utf-8")
