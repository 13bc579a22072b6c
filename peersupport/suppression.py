"""Small-count suppression: the one place that decides which counts a page or the API withholds.

Every table of counts about people that is shown beside its total (equalities answers, member
peers by political group, survey respondents by offer and region) goes through
``withheld_keys``. Hiding each count below the threshold on its own is not enough: with a
total of 7 and cells 5, 1, 1, a reader subtracts 5 from 7 and knows both hidden cells are 1.
So, in every line of cells that adds up to a shown total (complementary suppression):

* a count from 1 to ``threshold - 1`` is withheld (primary suppression);
* a line never has exactly one withheld cell, and the withheld cells of a line add up to at
  least ``threshold``: otherwise the next smallest shown cell is withheld too, and so on;
* a withheld total keeps at least one of its cells withheld (else the total is their sum).

Zeros stay shown (0 reveals no one). Lines are re-checked until nothing changes, so a cell
withheld for one line (a row) is protected in every other line it belongs to (its column).
This is the classic heuristic for tables with margins: no withheld value can be worked out
by subtracting shown values from a shown total, and none is narrowed to fewer than
``threshold`` possibilities by the sum of the withheld ones.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

SUPPRESS_BELOW = 5

K = TypeVar("K", bound=Hashable)
TOTAL = "__total__"


def withheld_keys(
    values: Mapping[K, int],
    lines: Iterable[tuple[K, Sequence[K]]],
    *,
    threshold: int = SUPPRESS_BELOW,
) -> set[K]:
    """Return the keys of `values` to withhold so that none can be derived from the others.

    `values` holds every count shown, totals included; `lines` lists (total key, keys of the
    cells adding up to it). A cell may belong to several lines (a row and a column).
    """
    lines = [(total, list(cells)) for total, cells in lines]
    hidden = {key for key, n in values.items() if 0 < n < threshold}
    changed = True
    while changed:
        changed = False
        for total, cells in lines:
            changed |= _protect_line(values, hidden, total, cells, threshold)
    return hidden


def _protect_line(values, hidden: set, total, cells: list, threshold: int) -> bool:
    """Withhold more cells of one line until it is safe; True when it withheld any."""
    changed = False
    while True:
        withheld = [key for key in cells if key in hidden]
        if total in hidden:
            safe = bool(withheld) or not any(values[key] for key in cells)
        else:
            safe = not withheld or (
                len(withheld) >= 2 and sum(values[key] for key in withheld) >= threshold
            )
        if safe:
            return changed
        shown = sorted(
            (values[key], index, key)
            for index, key in enumerate(cells)
            if key not in hidden and values[key] > 0
        )
        if shown:
            hidden.add(shown[0][2])
        elif total not in hidden:
            hidden.add(total)  # nothing left to hide beside it: the total goes too
        else:
            return changed
        changed = True


def suppress(counts: Mapping[K, int], *, threshold: int = SUPPRESS_BELOW) -> dict[K, int | None]:
    """The counts of one table shown with its total, withheld ones as None.

    When the total itself is below the threshold every cell is withheld, zeros included
    (a lone shown 0 beside a withheld total would tell which answer the few gave).
    """
    shown, _total = suppress_with_total(counts, threshold=threshold)
    return shown


def suppress_with_total(
    counts: Mapping[K, int], *, total: int | None = None, threshold: int = SUPPRESS_BELOW
) -> tuple[dict[K, int | None], int | None]:
    """(counts with withheld ones as None, the total or None when it is withheld).

    `total` defaults to the sum of the counts; give it when the table leaves a group out.
    """
    total = sum(counts.values()) if total is None else total
    values: dict = {**counts, TOTAL: total}
    hidden = withheld_keys(values, [(TOTAL, list(counts))], threshold=threshold)
    if TOTAL in hidden:
        return dict.fromkeys(counts), None
    return {key: (None if key in hidden else n) for key, n in counts.items()}, total


def suppress_table(
    cells: Mapping[tuple[Hashable, Hashable], int],
    *,
    row_totals: Mapping[Hashable, int] | None = None,
    column_totals: Mapping[Hashable, int] | None = None,
    grand_total: int | None = None,
    threshold: int = SUPPRESS_BELOW,
) -> set:
    """The withheld keys of a two-way table with its margins.

    `cells` maps (row, column) to a count; margins are keyed (row, None), (None, column) and
    (None, None). Margins default to the sums of the cells; give them when a unit can count
    under several columns (a peer's response under each region of the engagement).
    """
    rows = sorted({row for row, _ in cells}, key=str)
    columns = sorted({column for _, column in cells}, key=str)
    values: dict = dict(cells)
    for row in rows:
        default = sum(n for (r, _), n in cells.items() if r == row)
        values[(row, None)] = (row_totals or {}).get(row, default)
    for column in columns:
        default = sum(n for (_, c), n in cells.items() if c == column)
        values[(None, column)] = (column_totals or {}).get(column, default)
    values[(None, None)] = sum(cells.values()) if grand_total is None else grand_total
    for row in rows:
        for column in columns:
            values.setdefault((row, column), 0)
    lines = [((row, None), [(row, column) for column in columns]) for row in rows]
    lines += [((None, column), [(row, column) for row in rows]) for column in columns]
    lines.append(((None, None), [(row, None) for row in rows]))
    lines.append(((None, None), [(None, column) for column in columns]))
    return withheld_keys(values, lines, threshold=threshold)
