"""Every format of a report comes from one computed result: HTML, PDF, XLSX and JSON."""

import json
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from reports.render.html import render_html
from reports.render.json import render_json
from reports.render.pdf import BASE_URL, StaticOnlyURLFetcher, render_pdf
from reports.render.xlsx import render_xlsx, safe_cell
from reports.stocktake import stocktake_compute
from tests.factories_reports import build_known_data_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def result():
    build_known_data_set()
    computed = stocktake_compute(
        period_from=date(2020, 7, 1),
        period_to=date(2020, 11, 30),
        recommendations=['=HYPERLINK("http://evil")', "Share good practice"],
    )
    computed["meta"]["report_id"] = 42
    return computed


def _sheet_values(workbook, name):
    return [list(row) for row in workbook[name].iter_rows(values_only=True)]


def test_json_xlsx_and_html_carry_the_same_figures(result):
    as_json = json.loads(render_json(result))
    workbook = load_workbook(BytesIO(render_xlsx(result)))
    html = render_html(result).decode()

    totals = dict(_sheet_values(workbook, "Totals")[1:])
    assert totals == as_json["totals"]
    offers = {row[0]: row for row in _sheet_values(workbook, "Offers")[1:]}
    for code, figures in as_json["offers"].items():
        assert offers[code][2:] == [
            figures["delivered"],
            figures["councils_supported"],
            figures["planned"],
            figures["planned_councils"],
        ]
    regions = {row[0]: row[1:] for row in _sheet_values(workbook, "Regions")[1:]}
    assert regions["London"] == [2, 1, 0]
    assert "6 programmes of peer support were delivered to 6 councils" in html
    assert "In total, 7 councils have been involved" in html
    assert "5 peers from 4 councils took part" in html
    assert "2 councils received more than one offer" in html
    assert "Satisfied: no answers" in html
    assert "<svg" in html and "<table" in html
    assert "<script" not in html


def test_every_table_is_a_sheet(result):
    workbook = load_workbook(BytesIO(render_xlsx(result)))
    assert workbook.sheetnames == [
        "About",
        "Totals",
        "Offers",
        "Regions",
        "Council types",
        "Council survey",
        "Peer survey",
        "Survey answers",
        "Themes",
        "Quotes",
        "Good practice",
        "Recommendations",
        "Data checks",
        "Definitions",
    ]


def test_cells_that_could_be_formulas_are_escaped(result):
    workbook = load_workbook(BytesIO(render_xlsx(result)))
    recommendations = _sheet_values(workbook, "Recommendations")
    assert recommendations[1][1] == '\'=HYPERLINK("http://evil")'
    for row in workbook["Recommendations"].iter_rows():
        for cell in row:
            assert cell.data_type != "f"
    assert safe_cell("+1") == "'+1"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("\t=1") == "'\t=1"
    assert safe_cell(-1) == -1
    assert safe_cell("Fine") == "Fine"


def test_the_pdf_is_a_pdf_with_its_figures(result):
    pdf = render_pdf(result)
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 5000


def test_the_pdf_fetcher_loads_only_own_static_files():
    fetcher = StaticOnlyURLFetcher()
    response = fetcher.fetch(BASE_URL + "static/reports/print.css")
    assert b"@page" in response.read()
    for url in (
        "https://example.com/static/reports/print.css",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "data:text/plain,hello",
        BASE_URL + "static/../peersupport/settings.py",
        BASE_URL + "static/%2e%2e/peersupport/settings.py",
        BASE_URL + "media/reports/1/report.pdf",
        BASE_URL + "static/reports/missing.css",
    ):
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)


def test_the_pdf_loads_its_stylesheet_through_the_static_only_fetcher(result, monkeypatch):
    fetched = []
    original = StaticOnlyURLFetcher.fetch

    def recording(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(StaticOnlyURLFetcher, "fetch", recording)
    render_pdf(result)
    assert fetched == [BASE_URL + "static/reports/print.css"]


def test_the_html_download_has_no_inline_style_or_script(result, settings):
    settings.SITE_URL = "https://psm.example.org"
    html = render_html(result).decode()
    assert '<link rel="stylesheet" href="https://psm.example.org/static/reports/print.css">' in html
    assert "<style" not in html and "<script" not in html and " style=" not in html
