"""The report as an XLSX workbook: one sheet per table (openpyxl).

Text cells starting with = + - @ (or a tab or carriage return) are escaped with a leading
apostrophe, so a comment such as "=HYPERLINK(…)" is never run as a formula by a spreadsheet.
"""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

from reports.render.html import COUNCIL_HEADLINES, PEER_HEADLINES

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A value safe to put in a spreadsheet cell (text that could be a formula is escaped)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, list | tuple):
        return safe_cell(", ".join(str(item) for item in value))
    return value


def stocktake_tables(r: dict) -> list[tuple[str, list[str], list[list]]]:
    """The stocktake's tables: (sheet name, header, rows)."""
    meta = r.get("meta", {})
    about = [
        ["Title", r.get("title", "")],
        ["Period from", r["period"]["from"]],
        ["Period to", r["period"]["to"]],
        ["Planned until", r["period"]["planned_until"]],
        ["Offers", ", ".join(r.get("offers_chosen") or []) or "All offers"],
        ["Records as they were at", meta.get("data_as_of", "")],
        ["Code version", meta.get("code_version", "")],
        ["Report number", meta.get("report_id", "")],
        ["Generated at", meta.get("generated_at", "")],
    ]
    return [
        ("About", ["Item", "Value"], about),
        ("Totals", ["Figure", "Value"], [[key, value] for key, value in r["totals"].items()]),
        (
            "Offers",
            ["Offer", "Name", "Delivered", "Councils supported", "Planned", "Councils planned"],
            [
                [
                    code,
                    o.get("name", ""),
                    o["delivered"],
                    o["councils_supported"],
                    o["planned"],
                    o["planned_councils"],
                ]
                for code, o in r["offers"].items()
            ],
        ),
        (
            "Regions",
            ["Region", "Delivered", "Councils supported", "Planned"],
            [
                [name, g["delivered"], g["councils_supported"], g.get("planned", 0)]
                for name, g in r["regions"].items()
            ],
        ),
        (
            "Council types",
            ["Type of council", "Councils supported"],
            [[name, n] for name, n in r.get("council_types", {}).items()],
        ),
        (
            "Council survey",
            ["Figure", "Value", "Meaning"],
            [["responses", r["council_survey"]["responses"], "Responses"]]
            + [
                [key, r["council_survey"].get(key), label]
                for key, _text, label in COUNCIL_HEADLINES
            ],
        ),
        (
            "Peer survey",
            ["Figure", "Value", "Meaning"],
            [["responses", r["peer_survey"]["responses"], "Responses"]]
            + [[key, r["peer_survey"].get(key), label] for key, _text, label in PEER_HEADLINES],
        ),
        ("Survey answers", ["Audience", "Question", "Answer", "Count"], _survey_count_rows(r)),
        (
            "Themes",
            ["Theme", "Name", "Engagements"],
            [
                [slug, r.get("theme_names", {}).get(slug, slug), n]
                for slug, n in r["themes"].items()
            ],
        ),
        (
            "Quotes",
            ["Quote", "Audience", "Offer"],
            [[q["text"], q["audience"], q["offer"]] for q in r["quotes"]],
        ),
        (
            "Good practice",
            ["Engagement", "Offer", "Councils", "Good practice"],
            [[g["engagement"], g["offer"], g["councils"], g["text"]] for g in r["good_practice"]],
        ),
        (
            "Recommendations",
            ["Number", "Recommendation"],
            [[n, text] for n, text in enumerate(r.get("recommendations", []), start=1)],
        ),
        _checks_table(r),
        _definitions_table(r),
    ]


def _survey_count_rows(r: dict) -> list[list]:
    rows = []
    for audience, questions in (r.get("survey_counts") or {}).items():
        for question, answers in (questions or {}).items():
            for answer, count in (answers or {}).items():
                rows.append([audience, question, answer, count])
    return rows


def _checks_table(r: dict):
    return (
        "Data checks",
        ["Check", "Code", "Found", "Engagements (first 20)", "What to do"],
        [[c["title"], c["code"], c["count"], c["examples"], c["advice"]] for c in r["data_checks"]],
    )


def _definitions_table(r: dict):
    return (
        "Definitions",
        ["Term", "Meaning"],
        [[d["term"], d["meaning"]] for d in r.get("definitions", [])],
    )


def rough_sleeping_tables(r: dict) -> list[tuple[str, list[str], list[list]]]:
    meta = r.get("meta", {})
    about = [
        ["Title", r.get("title", "")],
        ["Period from", r["period"]["from"]],
        ["Period to", r["period"]["to"]],
        ["Records as they were at", meta.get("data_as_of", "")],
        ["Code version", meta.get("code_version", "")],
        ["Report number", meta.get("report_id", "")],
    ]
    tables = [
        ("About", ["Item", "Value"], about),
        ("Totals", ["Figure", "Value"], [[key, value] for key, value in r["totals"].items()]),
        (
            "Regions",
            ["Region", "Panels", "Councils"],
            [[name, g["panels"], g["councils"]] for name, g in r["regions"].items()],
        ),
        (
            "Panels",
            ["Engagement", "Last day", "Councils", "Write-up recorded"],
            [
                [p["engagement"], p["date"], p["councils"], "yes" if p["has_write_up"] else "no"]
                for p in r["panels"]
            ],
        ),
    ]
    for key, label in (
        ("strengths", "Strengths"),
        ("good_practice", "Good practice"),
        ("emerging_issues", "Emerging issues"),
        ("gaps", "Gaps"),
    ):
        tables.append(
            (
                label,
                ["Engagement", "Councils", label],
                [[item["engagement"], item["councils"], item["text"]] for item in r[key]],
            )
        )
    tables.append(_checks_table(r))
    tables.append(_definitions_table(r))
    return tables


def render_xlsx(result: dict) -> bytes:
    """The XLSX download: one sheet per table of the report."""
    tables = (
        rough_sleeping_tables(result)
        if result.get("kind") == "rough_sleeping"
        else stocktake_tables(result)
    )
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for name, header, rows in tables:
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append([safe_cell(value) for value in header])
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
        sheet.freeze_panes = "A2"
        for column, _ in enumerate(header, start=1):
            letter = sheet.cell(row=1, column=column).column_letter
            sheet.column_dimensions[letter].width = 18 if column > 1 else 40
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
