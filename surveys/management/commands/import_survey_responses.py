"""import_survey_responses FILE [--dry-run]: load past survey responses (see surveys.imports)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.audit import acting
from surveys.imports import SurveyImportError, read_csv, survey_responses_import


class Command(BaseCommand):
    help = (
        "Import past survey responses from a CSV file (UTF-8, header row): "
        "engagement,audience,respondent_email,submitted_on,satisfaction,goals_achieved,"
        "would_recommend,understood_issues,comment,quote_consent. All or nothing; no email."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the CSV file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and write nothing."
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            with open(file, encoding="utf-8-sig", newline="") as handle:
                rows = read_csv(handle)
            with acting(label=f"import: {Path(file).name}"):
                summary = survey_responses_import(rows=rows, dry_run=dry_run)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{file} is not UTF-8 text.") from error
        except SurveyImportError as error:
            for line, reason in error.errors:
                self.stderr.write(f"Line {line}: {reason}")
            raise CommandError(
                f"Nothing imported: {len(error.errors)} error(s) in {file}."
            ) from error
        prefix = "Dry run, nothing written. Would have: " if dry_run else "Survey responses: "
        self.stdout.write(
            f"{prefix}{summary.created} created, {summary.updated} updated, "
            f"{summary.unchanged} unchanged."
        )
