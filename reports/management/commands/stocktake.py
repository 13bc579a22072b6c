"""manage.py stocktake: the same generator as the web page, from the command line."""

import sys
from datetime import date

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from reports.render.html import render_html
from reports.render.json import render_json
from reports.render.pdf import render_pdf
from reports.render.xlsx import render_xlsx
from reports.stocktake import stocktake_compute

RENDERERS = {"json": render_json, "xlsx": render_xlsx, "pdf": render_pdf, "html": render_html}


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Enter dates as YYYY-MM-DD, not {value!r}") from error


class Command(BaseCommand):
    help = (
        "Compute a stocktake for a period and write it as JSON, XLSX, PDF or HTML "
        "(JSON to standard output when no --output is given)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="period_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="period_to", required=True, help="YYYY-MM-DD")
        parser.add_argument(
            "--planned-until",
            dest="planned_until",
            help="YYYY-MM-DD (default: the end of the financial year containing --to)",
        )
        parser.add_argument("--offers", help="Offer codes separated by commas, e.g. RRP,BRPS")
        parser.add_argument("--format", dest="fmt", choices=sorted(RENDERERS), default="json")
        parser.add_argument("--output", help="File to write (required for xlsx and pdf)")

    def handle(self, *args, **options):
        fmt, output = options["fmt"], options["output"]
        if fmt in ("xlsx", "pdf") and not output:
            raise CommandError(f"Give --output FILE for the {fmt} format")
        offers = [code for code in (options["offers"] or "").split(",") if code.strip()]
        try:
            result = stocktake_compute(
                period_from=_date(options["period_from"]),
                period_to=_date(options["period_to"]),
                planned_until=(
                    _date(options["planned_until"]) if options["planned_until"] else None
                ),
                offers=offers or None,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        result["kind"] = "stocktake"
        result["meta"]["generated_by"] = "manage.py stocktake"
        data = RENDERERS[fmt](result)
        if output:
            with open(output, "wb") as handle:
                handle.write(data)
            self.stderr.write(f"Wrote {fmt.upper()} to {output}")
        else:
            sys.stdout.flush()
            self.stdout.write(data.decode("utf-8"), ending="\n")
