"""CSV and XLSX export for every admin list, safe to open in a spreadsheet.

A cell that starts with =, +, -, @, a tab or a carriage return is read as a formula by
Excel and LibreOffice (CSV injection). Such text is prefixed with an apostrophe, which
spreadsheets show as plain text. Numbers (like -1.5) are left alone.
django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading
"=", so these formats do the escaping themselves.
"""

import re

from import_export.admin import ExportMixin
from import_export.formats import base_formats

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def formula_escape(value):
    """Return `value` made inert for spreadsheets (text only; numbers unchanged)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


def _escape_dataset(dataset) -> None:
    rows = [tuple(formula_escape(cell) for cell in row) for row in dataset]
    headers = [formula_escape(header) for header in dataset.headers or []]
    dataset.wipe()
    dataset.headers = headers or None
    for row in rows:
        dataset.append(row)


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        _escape_dataset(dataset)
        return super().export_data(dataset, **kwargs)


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        _escape_dataset(dataset)
        return super().export_data(dataset, **kwargs)


class SafeExportMixin(ExportMixin):
    """ExportMixin offering CSV and XLSX only, both escaped against formula injection."""

    export_formats = [SafeCSV, SafeXLSX]

    def has_export_permission(self, request):
        # Exporting a list is reading it: never more than the user may view.
        return self.has_view_permission(request) and super().has_export_permission(request)
