"""Complementary suppression: no withheld count can be worked out from a total and the others.

The one function (peersupport.suppression) behind every table of small counts about people:
the board's equalities tables, member peers by political group, survey respondents by group.
"""

import itertools

import pytest
from django.urls import reverse

from peers.models import EqualitiesAnswers, PeerKind, PoliticalGroup
from peersupport.suppression import (
    SUPPRESS_BELOW,
    suppress,
    suppress_table,
    suppress_with_total,
    withheld_keys,
)
from tests.factories import BoardMemberFactory, ManagerFactory
from tests.factories_records import PeerFactory


def derivable(counts: dict, shown: dict, total) -> list:
    """Withheld cells a reader can pin down from the total and the shown cells (zeros shown,
    so a withheld cell is at least 1): a lone withheld cell, or withheld cells whose known
    sum leaves each fewer than SUPPRESS_BELOW possible values."""
    withheld = [key for key, value in shown.items() if value is None]
    if total is None or not withheld:
        return []
    rest = total - sum(value for value in shown.values() if value is not None)
    if len(withheld) == 1 or rest < SUPPRESS_BELOW:
        return withheld
    return []


def test_the_issue_example_seven_shared_five_one_one_hides_all_three():
    """Given 7 who shared (5/1/1), hiding the two 1s alone gives them away: 7 - 5 = 2 = 1 + 1."""
    shown, total = suppress_with_total({"female": 5, "male": 1, "prefer_not_to_say": 1})

    assert total == 7
    assert shown == {"female": None, "male": None, "prefer_not_to_say": None}


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"a": 10, "b": 3, "c": 0, "d": 7}, {"a": 10, "b": None, "c": 0, "d": None}),
        ({"a": 10, "b": 3, "c": 4}, {"a": 10, "b": None, "c": None}),
        ({"a": 10, "b": 12}, {"a": 10, "b": 12}),
        # 1 + 1 is still below 5: the next smallest (20 beats 30) goes too.
        ({"a": 30, "b": 1, "c": 1, "d": 20}, {"a": 30, "b": None, "c": None, "d": None}),
        # Fewer than 5 in all: the total and every cell, zeros included.
        ({"a": 3, "b": 0}, {"a": None, "b": None}),
        ({"a": 0, "b": 0}, {"a": 0, "b": 0}),
    ],
)
def test_suppress_examples(counts, expected):
    assert suppress(counts) == expected


@pytest.mark.parametrize("cells", list(itertools.product(range(0, 8), repeat=3)))
def test_no_withheld_cell_can_be_worked_out_from_the_total(cells):
    """Every table of three cells from 0 to 7: nothing shown below 5, nothing derivable."""
    counts = dict(zip("abc", cells, strict=True))
    shown, total = suppress_with_total(counts)
    assert all(value is None or value == 0 or value >= SUPPRESS_BELOW for value in shown.values())
    assert total is None or total == 0 or total >= SUPPRESS_BELOW
    assert derivable(counts, shown, total) == []
    assert all(shown[key] in (None, counts[key]) for key in counts)


def test_a_table_with_margins_protects_rows_and_columns():
    """A cell withheld for its row is protected in its column too (and the margins)."""
    cells = {("CPC", "NW"): 1, ("CPC", "L"): 9, ("RRP", "NW"): 8, ("RRP", "L"): 7}

    hidden = suppress_table(cells)

    assert ("CPC", "NW") in hidden
    for row in ("CPC", "RRP"):
        assert len([c for c in hidden if c[0] == row and c[1] is not None]) != 1
    for column in ("NW", "L"):
        assert len([c for c in hidden if c[1] == column and c[0] is not None]) != 1


def test_a_withheld_margin_is_not_the_sum_of_shown_cells():
    """A row total of 3 withheld, but its cells all shown, would be undone by addition."""
    values = {"total": 12, "r1": 3, "r2": 9, "r1a": 0, "r1b": 3, "r2a": 5, "r2b": 4}
    lines = [("total", ["r1", "r2"]), ("r1", ["r1a", "r1b"]), ("r2", ["r2a", "r2b"])]

    hidden = withheld_keys(values, lines)

    # r2 goes with r1 (else 12 - 9 = 3 gives r1 away); r2a = 5 alone stays shown.
    assert hidden == {"r1", "r1b", "r2", "r2b"}


# --- The pages ------------------------------------------------------------------------------


def _share(sex: str, **peer):
    EqualitiesAnswers.objects.create(
        peer=PeerFactory(**peer), consent_given_at="2020-01-01T00:00:00Z", sex=sex
    )


def _cells(page: str, caption: str) -> dict:
    table = page.split(f">{caption}</caption>")[1].split("</table>")[0]
    rows = {}
    for row in table.split('<tr class="govuk-table__row">')[2:]:
        label = row.split('class="govuk-table__header">')[1].split("<")[0]
        rows[label] = row.split('govuk-table__cell--numeric">')[1].split("<")[0]
    return rows


@pytest.mark.django_db
def test_the_board_dashboard_gives_no_equalities_count_away_by_subtraction(client):
    """Given 7 peers who shared (5 female, 1 male, 1 prefer not to say), then no sex count
    is shown: the two 1s and the 5 are all withheld, the total 7 stays."""
    for _ in range(5):
        _share("female")
    _share("male")
    _share("prefer_not_to_say")
    client.force_login(BoardMemberFactory())

    page = client.get(reverse("reports:dashboard")).content.decode()

    sex = _cells(page, "Sex")
    assert sex == {
        "Female": "withheld",
        "Male": "withheld",
        "Prefer not to say": "withheld",
        "All who shared": "7",
    }


@pytest.mark.django_db
def test_member_peers_by_political_group_are_withheld_like_equalities(client):
    """Given member peers 6 Labour, 5 Conservative and 1 Green, then Green is withheld and
    so is the next smallest group (else 12 - 6 - 5 = 1)."""
    for group, n in ((PoliticalGroup.LABOUR, 6), (PoliticalGroup.CONSERVATIVE, 5)):
        for _ in range(n):
            PeerFactory(kind=PeerKind.MEMBER, political_group=group)
    PeerFactory(kind=PeerKind.MEMBER, political_group=PoliticalGroup.GREEN)
    for user in (BoardMemberFactory(), ManagerFactory()):
        client.force_login(user)
        for url in (reverse("reports:dashboard"), reverse("reports:peer_pool")):
            response = client.get(url)
            if response.status_code == 403:
                continue
            groups = _cells(response.content.decode(), "Member peers by political group")
            assert groups == {
                "Conservative": "withheld",
                "Green": "withheld",
                "Labour": "6",
                "All": "12",
            }, url
