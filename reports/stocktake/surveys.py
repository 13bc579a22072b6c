"""The stocktake's survey section, read through the surveys app's own counting function.

The surveys app owns the counting (``surveys.selectors.survey_results``: percent of those
who answered each question, rounded half up, None when nobody answered); this module only
asks it about the engagements delivered in the period and puts the answer in the
stocktake's shape (the board dashboard's headlines alone come from its sibling
``survey_headlines``, both audiences in one query). There is no counting here.
"""

import hashlib

from django.db.models import QuerySet
from django.utils import timezone

COUNCIL_KEYS = (
    "satisfied_pct",
    "very_satisfied_pct",
    "fairly_satisfied_pct",
    "goals_fully_or_largely_pct",
    "would_recommend_pct",
    "very_likely_pct",
    "fairly_likely_pct",
    "understood_great_extent_pct",
)
PEER_KEYS = ("satisfied_pct", "very_satisfied_pct", "fairly_satisfied_pct")


def _empty(keys) -> dict:
    return {"responses": 0, **dict.fromkeys(keys)}


def _headline(results: dict, keys) -> dict:
    return _headline_of(results["headline"], keys)


def _headline_of(headline: dict, keys) -> dict:
    return {
        "responses": headline["respondents"],
        **{key: headline.get(key.removesuffix("_pct")) for key in keys},
    }


def _counts(results: dict) -> dict:
    """Per question, answers per choice (for analysts: the counts behind the percentages)."""
    return {
        code: {
            "answered": question["answered"],
            **{choice: c["count"] for choice, c in question.get("choices", {}).items()},
        }
        for code, question in results["questions"].items()
        if "choices" in question
    }


def quote_id(quote: dict) -> str:
    """A stable id for a quote (its text, audience, offer and council type), for picking."""
    key = "|".join(
        [quote["audience"], quote.get("offer", ""), quote.get("council_type", ""), quote["text"]]
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _quotes(results: dict, audience: str) -> list[dict]:
    quotes = []
    for quote in results["quotes"]:
        item = {
            "text": quote["text"],
            "audience": audience,
            "offer": quote.get("offer", ""),
            "council_type": quote.get("council_type_label", ""),
        }
        item["id"] = quote_id(item)
        quotes.append(item)
    return quotes


def _survey_results():
    try:
        from surveys.selectors import survey_results
    except ImportError:  # the surveys app is not installed in this build
        return None
    return survey_results


def survey_section(*, engagements: QuerySet, quote_ids=None) -> dict:
    """Council and peer headlines, per-question counts, quotes and the unanswered check.

    `engagements`: the engagements delivered in the period (a queryset). `quote_ids`: the
    ids of the quotes to keep (None keeps every consented quote).
    """
    survey_results = _survey_results()
    if survey_results is None:
        return {
            "council_survey": _empty(COUNCIL_KEYS),
            "peer_survey": _empty(PEER_KEYS),
            "counts": {"council": {}, "peer": {}},
            "quotes": [],
            "check": None,
        }
    council = survey_results(audience="council", engagements=engagements)
    peer = survey_results(audience="peer", engagements=engagements)
    quotes = _quotes(council, "council") + _quotes(peer, "peer")
    if quote_ids is not None:
        wanted = {str(pk) for pk in quote_ids}
        quotes = [quote for quote in quotes if quote["id"] in wanted]
    return {
        "council_survey": _headline(council, COUNCIL_KEYS),
        "peer_survey": _headline(peer, PEER_KEYS),
        "counts": {"council": _counts(council), "peer": _counts(peer)},
        "quotes": quotes,
        "check": _never_answered_check(engagements),
    }


def survey_headlines(*, engagements: QuerySet) -> dict:
    """The council and peer headlines alone (no quotes, no check): the board dashboard's.

    Counted by ``surveys.selectors.survey_headlines`` (both audiences in one query), the
    same figures as survey_results' headline.
    """
    try:
        from surveys.selectors import survey_headlines as headlines_count
    except ImportError:  # the surveys app is not installed in this build
        return {"council_survey": _empty(COUNCIL_KEYS), "peer_survey": _empty(PEER_KEYS)}
    headlines = headlines_count(engagements=engagements, audiences=("council", "peer"))
    return {
        "council_survey": _headline_of(headlines["council"], COUNCIL_KEYS),
        "peer_survey": _headline_of(headlines["peer"], PEER_KEYS),
    }


def quote_candidates(*, engagements: QuerySet) -> list[dict]:
    """Quotes a manager may pick: consented comments, anonymous ({id, text, audience, offer})."""
    survey_results = _survey_results()
    if survey_results is None:
        return []
    quotes = []
    for audience in ("council", "peer"):
        quotes += _quotes(survey_results(audience=audience, engagements=engagements), audience)
    return quotes


def _never_answered_check(engagements: QuerySet) -> dict:
    from reports.stocktake.checks import _check

    return _check(
        "surveys_never_answered",
        "Surveys sent and closed without an answer",
        "Surveys are voluntary: a low response rate weakens the survey figures.",
        never_answered_invitations(engagements),
        field="engagement__reference",
    )


def never_answered_invitations(engagements: QuerySet) -> QuerySet | None:
    """Invitations sent and closed with no response (None without the surveys app)."""
    try:
        from surveys.models import Invitation
    except ImportError:
        return None
    return Invitation.objects.filter(
        engagement__in=engagements.values("pk"),
        sent_at__isnull=False,
        closes_at__lt=timezone.now(),
        response__isnull=True,
    )


def fingerprint_tables() -> list[tuple[str, str]]:
    """(table, column) pairs of the survey records, for the dashboard's cache fingerprint."""
    try:
        from surveys.models import Invitation, Response
    except ImportError:
        return []
    return [(Response._meta.db_table, "id"), (Invitation._meta.db_table, "id")]
