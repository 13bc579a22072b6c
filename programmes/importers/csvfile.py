"""The shared CSV reader and the all-or-nothing runner every importer uses."""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

# A spreadsheet of the whole programme is well under a megabyte; 5 MB leaves room.
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
CELL_SEPARATOR = ";"


class ImportFileError(Exception):
    """The file as a whole cannot be read (too big, not UTF-8, wrong columns)."""


@dataclass(frozen=True)
class Row:
    """One data row: its line number in the file and its cells by column name."""

    line: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells[column]


@dataclass
class ImportReport:
    """What an import did (or, on a dry run or an error, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    added_vocabulary: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def written(self) -> bool:
        return not self.errors and not self.dry_run


def max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def split_cell(value: str) -> list[str]:
    """The values of a cell that holds several, separated by ";" (blanks dropped)."""
    return [part.strip() for part in value.split(CELL_SEPARATOR) if part.strip()]


def read_rows(path: str | Path, columns: list[str], optional: tuple[str, ...] = ()) -> list[Row]:
    """Read a UTF-8 CSV file with a header row naming exactly `columns` (in any order),
    and any of the `optional` ones (a row reads an optional column missing from the file
    as blank)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ImportFileError(f"Cannot read {path}: {error.strerror}.") from error
    if size > max_bytes():
        raise ImportFileError(
            f"The file is {_megabytes(size)}; an import takes files up to "
            f"{_megabytes(max_bytes())}. Split it into smaller files."
        )
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file is not UTF-8 text (line {line}). Save it as “CSV UTF-8” and try again."
        ) from error
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError("The file is empty: it needs a header row naming the columns.")
    header = [cell.strip().lower() for cell in header]
    missing = [c for c in columns if c not in header]
    unknown = [c for c in header if c not in columns and c not in optional]
    if missing or unknown or len(set(header)) != len(header):
        problems = []
        if missing:
            problems.append(f"it is missing the columns {', '.join(missing)}")
        if unknown:
            problems.append(f"it has columns this import does not know: {', '.join(unknown)}")
        if len(set(header)) != len(header):
            problems.append("a column is named twice")
        raise ImportFileError(
            f"The header row is wrong: {'; '.join(problems)}. The columns are: {','.join(columns)}"
            + (f" (and, if you have them, {','.join(optional)})." if optional else ".")
        )
    rows = []
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise ImportFileError(f"Line {line} is not valid CSV: {error}.") from error
        if not any(value.strip() for value in values):
            continue  # blank line
        if len(values) != len(header):
            rows.append(
                Row(line, {"__error__": f"has {len(values)} values; expected {len(header)}"})
            )
            continue
        cells = dict.fromkeys(optional, "")
        cells.update({name: value.strip() for name, value in zip(header, values, strict=True)})
        rows.append(Row(line, cells))
    return rows


RowImporter = Callable[[Row, ImportReport], str]


def rows_import(rows: list[Row], import_row: RowImporter, *, dry_run: bool) -> ImportReport:
    """Import every row in one transaction: all of them, or none when any row fails.

    `import_row` returns "created", "updated" or "unchanged", or raises ValidationError
    with the reason. Each row runs in a savepoint so later rows are still checked (and see
    the earlier rows, as they would after a real import). On a dry run, or on any error,
    everything is rolled back — including tasks queued with transaction.on_commit.
    """
    report = ImportReport(dry_run=dry_run)
    with transaction.atomic():
        for row in rows:
            if "__error__" in row.cells:
                report.errors.append((row.line, f"The row {row.cells['__error__']}."))
                continue
            vocabulary_before = len(report.added_vocabulary)
            try:
                with transaction.atomic():
                    outcome = import_row(row, report)
            except (ValidationError, PermissionDenied) as error:
                del report.added_vocabulary[vocabulary_before:]  # rolled back with the row
                reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
                report.errors.append((row.line, " ".join(reasons)))
            else:
                setattr(report, outcome, getattr(report, outcome) + 1)
        if not report.written:
            transaction.set_rollback(True)
    return report
