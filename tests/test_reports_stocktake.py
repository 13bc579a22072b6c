"""The stocktake's figures from a known data set, every key worked out by hand.

The data set (tests.factories_reports.build_known_data_set), period 1 July – 30 November
2020, planned until 31 March 2021 (the default: the end of that financial year):

Delivered in the period (a delivered state, last activity day in the period):
  E1 RRP (A), E2 BRPS (A), E3 BRPS (B, C; its one day is the period's last day),
  E6 RRP (D; no activity days, start date 15 Aug), E7 CPC (E, D), E14 MENTOR (F)  -> 6.
  Not: E4 (last day 30 Jun), E5 (last day 1 Dec), E8 (in delivery), E13 (cancelled),
  E16 (delivered but no dates).
Planned (open state, start after 30 Nov 2020 and on or before 31 Mar 2021):
  E9 BRPS (H, 10 Jan), E10 RRP (A, 31 Mar), E15 CPC (B, 15 Dec)  -> 3.
  Not: E11 (postponed), E12 (starts 1 Apr 2021).
Councils supported: A B C D E F -> 6. More than one offer: A (RRP, BRPS), D (RRP, CPC) -> 2.
Peers (accepted places on delivered): P1 (F) on E1+E2, P2 (G) on E1+E7, P3 (A) on E2,
  P4 (D) on E3, P7 (F) on E14 -> 5 peers from F G A D -> 4 home councils.
  Not: P6 (declined on E1; accepted only on E5), P5 (still invited on E3).
Councils involved: {A B C D E F} + {F G A D} -> 7.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.stocktake import stocktake_compute
from reports.stocktake.compute import default_planned_until
from tests.factories_reports import build_known_data_set, build_volume

pytestmark = pytest.mark.django_db

PERIOD = {"period_from": date(2020, 7, 1), "period_to": date(2020, 11, 30)}
ZERO = {"delivered": 0, "councils_supported": 0, "planned": 0, "planned_councils": 0}


@pytest.fixture
def known():
    return build_known_data_set()


def _offer_figures(result, code):
    return {key: result["offers"][code][key] for key in ZERO}


def test_every_key_for_all_offers(known):
    result = stocktake_compute(**PERIOD)

    assert result["period"] == {
        "from": "2020-07-01",
        "to": "2020-11-30",
        "planned_until": "2021-03-31",
    }
    assert result["totals"] == {
        "delivered": 6,
        "councils_supported": 6,
        "planned": 3,
        "planned_councils": 3,
        "councils_with_more_than_one_offer": 2,
        "councils_involved": 7,
        "peers": 5,
        "peer_home_councils": 4,
    }
    assert _offer_figures(result, "RRP") == {
        "delivered": 2,
        "councils_supported": 2,
        "planned": 1,
        "planned_councils": 1,
    }
    assert _offer_figures(result, "BRPS") == {
        "delivered": 2,
        "councils_supported": 3,
        "planned": 1,
        "planned_councils": 1,
    }
    assert _offer_figures(result, "CPC") == {
        "delivered": 1,
        "councils_supported": 2,
        "planned": 1,
        "planned_councils": 1,
    }
    assert _offer_figures(result, "MENTOR") == {
        "delivered": 1,
        "councils_supported": 1,
        "planned": 0,
        "planned_councils": 0,
    }
    for code in ("RCHC", "DIP", "FPC", "GPC"):
        assert _offer_figures(result, code) == ZERO
    # An engagement counts under every region of its councils: E7 is in London and the
    # South West; E3's two councils are both North West, so it counts there once.
    assert result["regions"]["North West"] == {
        "delivered": 3,
        "councils_supported": 3,
        "planned": 2,
    }
    assert result["regions"]["London"] == {"delivered": 2, "councils_supported": 1, "planned": 0}
    assert result["regions"]["South West"] == {
        "delivered": 1,
        "councils_supported": 1,
        "planned": 0,
    }
    assert result["regions"]["Yorkshire and the Humber"] == {
        "delivered": 1,
        "councils_supported": 1,
        "planned": 0,
    }
    assert result["regions"]["North East"] == {
        "delivered": 0,
        "councils_supported": 0,
        "planned": 1,
    }
    for region in ("North East", "East Midlands", "West Midlands", "East of England", "Wales"):
        assert result["regions"][region]["delivered"] == 0
    assert result["themes"] == {"governance": 2, "tourism": 1}
    assert result["council_types"] == {
        "County council": 1,
        "District council": 1,
        "London borough": 1,
        "Unitary authority": 3,
    }
    refs = known["engagements"]
    assert [example["engagement"] for example in result["good_practice"]] == [
        refs["E1"].reference,
        refs["E7"].reference,
    ]
    assert result["good_practice"][1]["councils"] == ["Delta London Borough", "Epsilon Council"]


def test_every_key_for_chosen_offers(known):
    result = stocktake_compute(**PERIOD, offers=["RRP", "BRPS"])

    assert set(result["offers"]) == {"BRPS", "RRP"}
    assert result["offers_chosen"] == ["BRPS", "RRP"]
    assert result["totals"] == {
        "delivered": 4,
        "councils_supported": 4,
        "planned": 2,
        "planned_councils": 2,
        "councils_with_more_than_one_offer": 1,
        "councils_involved": 6,
        "peers": 4,
        "peer_home_councils": 4,
    }
    assert _offer_figures(result, "RRP") == {
        "delivered": 2,
        "councils_supported": 2,
        "planned": 1,
        "planned_councils": 1,
    }
    assert _offer_figures(result, "BRPS") == {
        "delivered": 2,
        "councils_supported": 3,
        "planned": 1,
        "planned_councils": 1,
    }
    assert result["regions"]["North West"] == {
        "delivered": 3,
        "councils_supported": 3,
        "planned": 1,
    }
    assert result["regions"]["London"] == {"delivered": 1, "councils_supported": 1, "planned": 0}
    assert result["regions"]["South West"]["delivered"] == 0
    assert result["regions"]["North East"]["planned"] == 1


def test_planned_until_moves_the_planned_figures(known):
    result = stocktake_compute(**PERIOD, planned_until=date(2021, 1, 31))
    # E10 (31 Mar) drops out; E9 (10 Jan) and E15 (15 Dec) stay.
    assert result["totals"]["planned"] == 2
    assert result["period"]["planned_until"] == "2021-01-31"
    result = stocktake_compute(**PERIOD, planned_until=date(2021, 4, 1))
    assert result["totals"]["planned"] == 4  # E12 starts 1 April 2021


def test_data_checks_list_what_looks_wrong(known):
    result = stocktake_compute(**PERIOD)
    refs = known["engagements"]
    checks = {check["code"]: check for check in result["data_checks"]}
    expected = {
        "delivered_without_team": [refs["E6"]],
        "accepted_places_without_days": [refs["E3"]],
        "invitations_unanswered_on_delivered": [refs["E3"]],
        "delivered_without_council": [],
        "abolished_councils": [refs["E7"]],
        "delivered_without_dates": [refs["E16"]],
        "open_after_their_days": [refs["E8"]],
    }
    for code, engagements in expected.items():
        assert checks[code]["count"] == len(engagements), code
        assert checks[code]["examples"] == [e.reference for e in engagements], code


def test_default_planned_until_is_the_end_of_the_financial_year():
    assert default_planned_until(date(2020, 11, 30)) == date(2021, 3, 31)
    assert default_planned_until(date(2021, 3, 31)) == date(2021, 3, 31)
    assert default_planned_until(date(2021, 4, 1)) == date(2022, 3, 31)


def test_an_empty_period_gives_zeros_and_null_percentages():
    result = stocktake_compute(period_from=date(2019, 1, 1), period_to=date(2019, 1, 31))
    assert result["totals"]["delivered"] == 0
    assert result["council_survey"]["responses"] == 0
    assert result["council_survey"]["satisfied_pct"] is None
    assert result["peer_survey"]["very_satisfied_pct"] is None
    assert result["quotes"] == []


def test_unknown_offers_and_reversed_periods_are_refused():
    with pytest.raises(ValidationError, match="Unknown: NOPE"):
        stocktake_compute(**PERIOD, offers=["RRP", "NOPE"])
    with pytest.raises(ValidationError):
        stocktake_compute(period_from=date(2020, 12, 1), period_to=date(2020, 11, 1))


def test_the_result_says_when_and_by_which_code(known):
    result = stocktake_compute(**PERIOD)
    assert result["meta"]["data_as_of"]
    assert result["meta"]["code_version"]
    assert {item["term"] for item in result["definitions"]} >= {
        "Delivered in the period",
        "Planned",
        "Councils involved",
    }


def _queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_query_count_does_not_grow_with_the_data():
    build_volume(3)
    small = _queries(lambda: stocktake_compute(**PERIOD))
    build_volume(9)
    large = _queries(lambda: stocktake_compute(**PERIOD))
    assert small == large
