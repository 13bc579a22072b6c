"""The shared management command behind import_peers, import_engagements and import_team."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.audit import acting
from programmes.importers.csvfile import ImportFileError, ImportReport


class ImportCommand(BaseCommand):
    """Import FILE all or nothing; exit non-zero and list every bad row on any error."""

    noun = "rows"

    def importer(self, path, *, dry_run: bool) -> ImportReport:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", help="A UTF-8 CSV file with a header row.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row; write nothing."
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            with acting(label=f"import: {Path(file).name}"):
                report = self.importer(file, dry_run=dry_run)
        except ImportFileError as error:
            raise CommandError(f"{error} Nothing was imported.") from error
        if report.errors:
            for line, reason in report.errors:
                self.stderr.write(f"Line {line}: {reason}")
            raise CommandError(
                f"Nothing was imported: {len(report.errors)} row(s) have errors "
                "(listed above). Correct them and import the whole file again."
            )
        verb = "would be" if dry_run else "were"
        summary = (
            f"{report.created} {self.noun} {verb} created, {report.updated} updated, "
            f"{report.unchanged} unchanged."
        )
        if report.added_vocabulary:
            summary += (
                f" New names {verb} added to the expertise and themes vocabulary: "
                f"{', '.join(report.added_vocabulary)}."
            )
        if dry_run:
            summary = f"Dry run: every row is valid. Nothing was written. {summary}"
        self.stdout.write(summary)
