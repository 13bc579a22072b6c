"""The stocktake's survey figures, counted by the surveys app for delivered engagements.

Council responses (period 1 Jul – 30 Nov 2020, the known data set):
  E1 (A): very satisfied, goals fully, very likely, great extent; quoted comment.
  E2 (A): fairly satisfied, goals largely, fairly likely, some extent; comment, no consent.
  E3 (B): very satisfied, goals partly, recommend unanswered, great extent.
  E3 (C): fairly dissatisfied, goals partly, not at all likely, some extent.
  E7 (D): neither, goals not at all, not very likely, understood unanswered.
  E5 (H): very dissatisfied, but E5 was delivered after the period: not counted.
-> 5 responses (5 or more: shown); satisfaction 5 answers: very 2, fairly 1 -> satisfied 60,
   very 40, fairly 20; goals 2 of 5 -> 40; recommend 4 answers: very 1, fairly 1 -> 50, 25,
   25; understood 4 answers, great 2 -> 50.
Peer responses: P1 on E1 very satisfied (quoted), P2 on E7 fairly satisfied, P3 on E2 with
satisfaction unanswered, P4 on E3 neither, P5 on E1 very satisfied -> 5 responses, 4
answers: 75, 50, 25.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.render.html import render_html
from reports.stocktake import stocktake_compute
from tests.factories_reports import build_known_data_set

factories_surveys = pytest.importorskip("tests.factories_surveys")

pytestmark = pytest.mark.django_db


def _council(engagement, council, **answers):
    invitation = factories_surveys.InvitationFactory(engagement=engagement, council=council)
    return factories_surveys.respond(invitation, **answers)


def _peer(engagement, peer, **answers):
    invitation = factories_surveys.InvitationFactory(
        template=factories_surveys.template("peer_feedback"),
        engagement=engagement,
        user=peer.user,
        email=peer.user.email,
    )
    return factories_surveys.respond(invitation, **answers)


@pytest.fixture
def known():
    known = build_known_data_set()
    e, c, p = known["engagements"], known["councils"], known["peers"]
    _council(
        e["E1"], c["A"], satisfaction="very_satisfied", goals_achieved="fully",
        would_recommend="very_likely", understood_issues="great_extent",
        comment="A real chance to stop and reflect.", quote_consent="yes",
    )  # fmt: skip
    _council(
        e["E2"], c["A"], satisfaction="fairly_satisfied", goals_achieved="largely",
        would_recommend="fairly_likely", understood_issues="some_extent",
        comment="Not for quoting.", quote_consent="no",
    )  # fmt: skip
    _council(
        e["E3"], c["B"], satisfaction="very_satisfied", goals_achieved="partly",
        understood_issues="great_extent",
    )  # fmt: skip
    _council(
        e["E3"], c["C"], satisfaction="fairly_dissatisfied", goals_achieved="partly",
        would_recommend="not_at_all_likely", understood_issues="some_extent",
    )  # fmt: skip
    _council(
        e["E7"], c["D"], satisfaction="neither", goals_achieved="not_at_all",
        would_recommend="not_very_likely",
    )  # fmt: skip
    _council(e["E5"], known["councils"]["H"], satisfaction="very_dissatisfied")
    _peer(
        e["E1"], p["P1"], satisfaction="very_satisfied",
        comment="Seeing other approaches was very useful.", quote_consent="yes",
    )  # fmt: skip
    _peer(e["E7"], p["P2"], satisfaction="fairly_satisfied")
    _peer(e["E2"], p["P3"], comment="No scale answer")
    _peer(e["E3"], p["P4"], satisfaction="neither")
    _peer(e["E1"], p["P5"], satisfaction="very_satisfied")
    # Sent, closed and never answered: a data check.
    factories_surveys.InvitationFactory(
        engagement=e["E2"],
        council=c["A"],
        sent_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=30),
    )
    return known


def _compute(**extra):
    return stocktake_compute(period_from="2020-07-01", period_to="2020-11-30", **extra)


def test_council_and_peer_headlines_are_worked_out_by_hand(known):
    result = _compute()
    assert result["council_survey"] == {
        "responses": 5,
        "satisfied_pct": 60,
        "very_satisfied_pct": 40,
        "fairly_satisfied_pct": 20,
        "goals_fully_or_largely_pct": 40,
        "would_recommend_pct": 50,
        "very_likely_pct": 25,
        "fairly_likely_pct": 25,
        "understood_great_extent_pct": 50,
    }
    assert result["peer_survey"] == {
        "responses": 5,
        "satisfied_pct": 75,
        "very_satisfied_pct": 50,
        "fairly_satisfied_pct": 25,
    }
    assert result["survey_counts"]["council"]["satisfaction"]["very_satisfied"] == 2
    assert result["survey_counts"]["council"]["would_recommend"]["answered"] == 4


def test_quotes_are_consented_anonymous_and_pickable(known):
    result = _compute()
    assert [(q["text"], q["audience"], q["offer"]) for q in result["quotes"]] == [
        ("A real chance to stop and reflect.", "council", "RRP"),
        ("Seeing other approaches was very useful.", "peer", "RRP"),
    ]
    for quote in result["quotes"]:
        assert set(quote) == {"id", "text", "audience", "offer", "council_type"}
    picked = _compute(quote_ids=[result["quotes"][1]["id"]])
    assert [q["audience"] for q in picked["quotes"]] == ["peer"]
    assert _compute(quote_ids=[])["quotes"] == []


def test_offers_filter_the_survey_figures_too(known):
    """BRPS alone (E2 and E3): 3 council and 2 peer responses, fewer than 5, so withheld."""
    result = _compute(offers=["BRPS", "RRP"])  # E1, E2 and E3: 4 council, 4 peer responses
    assert result["council_survey"]["responses"] is None
    brps = _compute(offers=["BRPS"])
    assert set(brps["council_survey"].values()) == {None}
    assert set(brps["peer_survey"].values()) == {None}
    assert brps["survey_counts"] == {"council": {}, "peer": {}}
    everything = _compute()
    assert everything["council_survey"]["responses"] == 5
    assert everything["peer_survey"]["responses"] == 5


def test_surveys_closed_without_an_answer_are_a_data_check(known):
    checks = {check["code"]: check for check in _compute()["data_checks"]}
    assert checks["surveys_never_answered"]["count"] == 1
    assert checks["surveys_never_answered"]["examples"] == [known["engagements"]["E2"].reference]


def test_quotes_reach_the_report_without_names(known):
    result = _compute()
    html = render_html(result).decode()
    assert "A real chance to stop and reflect." in html
    assert "Not for quoting." not in html
    for peer in known["peers"].values():
        assert peer.user.email not in html
        assert peer.user.last_name not in html
