"""Reads of survey data: the invitation behind a link, and the counts the board reads.

``survey_results`` is what every page and the API show: the counts of ``survey_counts``
(GROUP BY on the answers, a fixed number of queries however many responses there are)
unless the group is too small to show (``survey_group_withheld``: fewer than 5
respondents, or a group by offer or region that would give a smaller one away by
subtraction). ``survey_headlines`` gives only the headline figures, for every audience in
one query (the board dashboard's), withheld by the same rule.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from councils.models import CouncilType
from peersupport.suppression import SUPPRESS_BELOW, suppress_table
from programmes.models import Engagement, Offer
from surveys.models import (
    CHOICE_TYPES,
    Answer,
    Audience,
    Invitation,
    Purpose,
    Question,
    QuestionType,
    Response,
    SurveyTemplate,
)

# The board's figures: name -> (question code, choice codes counted together).
HEADLINE_FIGURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "satisfied": ("satisfaction", ("very_satisfied", "fairly_satisfied")),
    "very_satisfied": ("satisfaction", ("very_satisfied",)),
    "fairly_satisfied": ("satisfaction", ("fairly_satisfied",)),
    "goals_fully_or_largely": ("goals_achieved", ("fully", "largely")),
    "would_recommend": ("would_recommend", ("very_likely", "fairly_likely")),
    "very_likely": ("would_recommend", ("very_likely",)),
    "fairly_likely": ("would_recommend", ("fairly_likely",)),
    "understood_great_extent": ("understood_issues", ("great_extent",)),
}
WITHHELD_MESSAGE = _(
    "Fewer than 5 people answered in this group, or its figures would give a smaller group "
    "away, so no results are shown for it: they could identify who answered."
)
COMMENT_CODE = "comment"
CONSENT_CODE = "quote_consent"
CONSENT_YES = "yes"


def percent(count: int, of: int) -> int | None:
    """Return count as a whole percentage of `of`, rounded half up; None when `of` is 0.

    Exact decimal arithmetic: 1 of 8 is 12.5%, which rounds to 13 (Python's round()
    would give 12).
    """
    if not of:
        return None
    return int((Decimal(count) * 100 / Decimal(of)).quantize(Decimal("1"), ROUND_HALF_UP))


def invitation_get_by_token(token: str) -> Invitation:
    """Return the invitation behind a survey link, or raise Http404 for an unknown token."""
    invitation = (
        Invitation.objects.select_related("template", "engagement__offer", "council", "response")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise Http404("Unknown survey link")
    return invitation


def response_answers_display(response: Response) -> list[tuple[Question, str]]:
    """Return (question, answer as text) for each question answered, in question order."""
    answers = response.answers.select_related("question", "choice").order_by(
        "question__order", "question_id", "choice__order", "id"
    )
    grouped: dict[int, tuple[Question, list[str]]] = {}
    for answer in answers:
        entry = grouped.setdefault(answer.question_id, (answer.question, []))
        if answer.choice_id:
            entry[1].append(answer.choice.label)
        elif answer.number is not None:
            entry[1].append(str(answer.number))
        else:
            entry[1].append(answer.text)
    return [(question, "; ".join(values)) for question, values in grouped.values()]


def responses_filtered(
    *,
    audience: str,
    engagements: QuerySet[Engagement] | None = None,
    offer: Offer | str | None = None,
    period: tuple[date, date] | None = None,
    region: str | None = None,
    purpose: str = Purpose.FEEDBACK,
    template_code: str | None = None,
) -> QuerySet[Response]:
    """Return the responses in scope (see survey_results for the filters)."""
    responses = Response.objects.filter(audience=audience)
    if template_code:
        responses = responses.filter(template__code=template_code)
    else:
        responses = responses.filter(template__purpose=purpose)
    if engagements is not None:
        responses = responses.filter(engagement__in=engagements.values("pk"))
    if offer is not None:
        code = offer.code if isinstance(offer, Offer) else offer
        responses = responses.filter(engagement__offer__code=code)
    if period is not None:
        start, end = period
        responses = responses.filter(
            Q(engagement__end_date__range=(start, end))
            | Q(engagement__end_date__isnull=True, engagement__start_date__range=(start, end))
        )
    if region:
        engagement_in_region = Engagement.councils.through.objects.filter(
            engagement_id=OuterRef("engagement_id"), council__region=region
        )
        if audience == Audience.COUNCIL:
            responses = responses.filter(council__region=region)
        else:
            responses = responses.filter(Exists(engagement_in_region))
    return responses


def survey_counts(
    *,
    audience: str,
    engagements: QuerySet[Engagement] | None = None,
    offer: Offer | str | None = None,
    period: tuple[date, date] | None = None,
    region: str | None = None,
    purpose: str = Purpose.FEEDBACK,
    template_code: str | None = None,
    quotes: bool = True,
) -> dict[str, Any]:
    """Return the counts and the board's percentages for one audience's survey responses.

    The raw counts, for the surveys app and its tests: pages and the API read
    ``survey_results``, which withholds a group too small to show.

    Filters (all optional, combined): ``engagements`` (any queryset of engagements),
    ``offer`` (an Offer or its code), ``period`` ((first, last) dates, inclusive, on the
    engagement's last activity day, else its first), ``region`` (a councils.Region value:
    the council answered for, for council responses; any of the engagement's councils, for
    peer responses). ``purpose`` picks the feedback surveys by default; ``template_code``
    picks one template instead (for example "pre_panel").

    Percentages are of those who answered that question, rounded half up to whole
    numbers, and None when nobody answered it. "satisfied" is computed from the counts
    (very + fairly), not by adding the two rounded figures. Quotes are comments whose
    respondent ticked "yes" to quote_consent, with only the council type and the offer;
    ``quotes=False`` leaves them out (an empty list) for callers that show none.
    Runs 6 queries whatever the number of responses (5 without quotes).
    """
    responses = responses_filtered(
        audience=audience, engagements=engagements, offer=offer, period=period,
        region=region, purpose=purpose, template_code=template_code,
    )  # fmt: skip
    respondents = responses.count()
    answers = Answer.objects.filter(response__in=responses.values("pk"))
    per_question = {
        row["question__code"]: row
        for row in answers.values("question__code")
        .annotate(answered=Count("response", distinct=True), mean=Avg("number"))
        .order_by()
    }
    per_choice = {
        (row["question__code"], row["choice__code"]): row["count"]
        for row in answers.filter(choice__isnull=False)
        .values("question__code", "choice__code")
        .annotate(count=Count("response", distinct=True))
        .order_by()
    }
    questions = _questions_in_scope(audience=audience, purpose=purpose, template_code=template_code)

    results: dict[str, dict[str, Any]] = {}
    for question in questions:
        if question.code in results:
            continue  # the first template (by code) names a question shared by code
        counted = per_question.get(question.code, {})
        answered = counted.get("answered", 0)
        entry: dict[str, Any] = {
            "code": question.code,
            "text": question.text,
            "type": question.question_type,
            "answered": answered,
        }
        if question.question_type in CHOICE_TYPES:
            entry["choices"] = {}
            for choice in question.choices.all():
                count = per_choice.get((question.code, choice.code), 0)
                entry["choices"][choice.code] = {
                    "code": choice.code,
                    "label": choice.label,
                    "count": count,
                    "percent": percent(count, answered),
                }
        if question.question_type == QuestionType.NUMBER:
            mean = counted.get("mean")
            entry["mean"] = (
                None if mean is None else Decimal(str(mean)).quantize(Decimal("0.1"), ROUND_HALF_UP)
            )
        results[question.code] = entry

    headline: dict[str, int | None] = {"respondents": respondents}
    for name, (question_code, choice_codes) in HEADLINE_FIGURES.items():
        if question_code not in results:
            continue
        answered = results[question_code]["answered"]
        count = sum(per_choice.get((question_code, code), 0) for code in choice_codes)
        headline[name] = percent(count, answered)

    return {
        "audience": audience,
        "respondents": respondents,
        "headline": headline,
        "questions": results,
        "quotes": survey_quotes(responses=responses) if quotes else [],
    }


def survey_results(
    *,
    audience: str,
    engagements: QuerySet[Engagement] | None = None,
    offer: Offer | str | None = None,
    period: tuple[date, date] | None = None,
    region: str | None = None,
    purpose: str = Purpose.FEEDBACK,
    template_code: str | None = None,
    quotes: bool = True,
) -> dict[str, Any]:
    """What pages and the API show of one audience's survey responses (filters as
    ``survey_counts``): its counts, or nothing but a message when the group is withheld.

    ``withheld`` is True (``respondents`` None, no figures, questions or quotes) when fewer
    than 5 responded, or when a group by offer or region would let a smaller group be
    worked out from the wider ones (see ``survey_group_withheld``). Runs 6 queries (5
    without quotes), one more with an offer or a region.
    """
    results = survey_counts(
        audience=audience, engagements=engagements, offer=offer, period=period,
        region=region, purpose=purpose, template_code=template_code, quotes=quotes,
    )  # fmt: skip
    withheld = _too_few(results["respondents"]) or (
        (offer is not None or bool(region))
        and survey_group_withheld(
            audience=audience,
            engagements=engagements,
            offer=offer,
            period=period,
            region=region,
            purpose=purpose,
            template_code=template_code,
        )  # fmt: skip
    )
    if not withheld:
        return {**results, "withheld": False, "message": ""}
    return {
        "audience": audience,
        "respondents": None,
        "withheld": True,
        "message": str(WITHHELD_MESSAGE),
        "headline": dict.fromkeys(results["headline"]),
        "questions": {},
        "quotes": [],
    }


def _too_few(respondents: int) -> bool:
    return 0 < respondents < SUPPRESS_BELOW


def survey_group_withheld(
    *,
    audience: str,
    engagements: QuerySet[Engagement] | None = None,
    offer: Offer | str | None = None,
    period: tuple[date, date] | None = None,
    region: str | None = None,
    purpose: str = Purpose.FEEDBACK,
    template_code: str | None = None,
) -> bool:
    """True when the group (offer, region or both) must not be shown, in ONE query.

    The respondents in scope (the other filters) are counted by offer and by region, with
    the totals of each and the grand total, and withheld as one table with margins by
    peersupport.suppression: a group of 1 in the North West is withheld, and so are enough
    of its neighbours that "all regions minus the others" cannot give it away either.
    A peer's response counts under every region of the engagement's councils.
    """
    responses = responses_filtered(
        audience=audience, engagements=engagements, period=period,
        purpose=purpose, template_code=template_code,
    )  # fmt: skip
    region_field = (
        "council__region" if audience == Audience.COUNCIL else "engagement__councils__region"
    )
    cells: dict[tuple[str, str], set[int]] = {}
    for pk, code, place in responses.values_list("pk", "engagement__offer__code", region_field):
        cells.setdefault((code or "", place or ""), set()).add(pk)
    rows: dict[str, set[int]] = {}
    columns: dict[str, set[int]] = {}
    for (code, place), pks in cells.items():
        rows.setdefault(code, set()).update(pks)
        columns.setdefault(place, set()).update(pks)
    hidden = suppress_table(
        {key: len(pks) for key, pks in cells.items()},
        row_totals={key: len(pks) for key, pks in rows.items()},
        column_totals={key: len(pks) for key, pks in columns.items()},
        grand_total=len(set().union(*rows.values())) if rows else 0,
    )
    code = offer.code if isinstance(offer, Offer) else offer
    return (code, region or None) in hidden


def survey_headlines(
    *,
    engagements: QuerySet[Engagement] | None = None,
    audiences: tuple[str, ...] = (Audience.COUNCIL, Audience.PEER),
    purpose: str = Purpose.FEEDBACK,
) -> dict[str, dict[str, int | None]]:
    """Return {audience: headline} for the feedback responses, every audience in ONE query.

    The same figures as ``survey_results(...)["headline"]`` (respondents, and each of
    HEADLINE_FIGURES as a percent of those who answered its question, rounded half up)
    for callers that need nothing else, such as the board dashboard. One GROUP BY on the
    audience over the responses joined to their answers, with a filtered count per
    question and per (question, choice), instead of survey_results' five queries per
    audience. A figure whose question nobody answered is None (survey_results leaves it
    out when no template in scope asks that question). Fewer than 5 respondents: every
    figure, the number of respondents included, is None (withheld).
    """
    responses = Response.objects.filter(audience__in=audiences, template__purpose=purpose)
    if engagements is not None:
        responses = responses.filter(engagement__in=engagements.values("pk"))
    question_codes = sorted({code for code, _ in HEADLINE_FIGURES.values()})
    pairs = sorted(
        {(code, choice) for code, choices in HEADLINE_FIGURES.values() for choice in choices}
    )
    # Counted in distinct responses, as survey_results does (a multiple-choice question has
    # a row per choice ticked; a response without answers still counts as a respondent).
    aggregates = {"respondents": Count("pk", distinct=True)}
    for i, code in enumerate(question_codes):
        aggregates[f"answered_{i}"] = Count(
            "answers__response", distinct=True, filter=Q(answers__question__code=code)
        )
    for i, (code, choice) in enumerate(pairs):
        aggregates[f"chose_{i}"] = Count(
            "answers__response",
            distinct=True,
            filter=Q(answers__question__code=code, answers__choice__code=choice),
        )
    rows = {
        row["audience"]: row
        for row in responses.values("audience").annotate(**aggregates).order_by()
    }
    headlines = {}
    for audience in audiences:
        row = rows.get(audience, dict.fromkeys(aggregates, 0))
        answered = {code: row[f"answered_{i}"] for i, code in enumerate(question_codes)}
        chose = {pair: row[f"chose_{i}"] for i, pair in enumerate(pairs)}
        headline: dict[str, int | None] = {"respondents": row["respondents"]}
        for name, (code, choices) in HEADLINE_FIGURES.items():
            headline[name] = percent(sum(chose[(code, c)] for c in choices), answered[code])
        if _too_few(row["respondents"]):  # withheld, as survey_results withholds it
            headline = dict.fromkeys(headline)
        headlines[audience] = headline
    return headlines


def _questions_in_scope(*, audience: str, purpose: str, template_code: str | None) -> list:
    templates = SurveyTemplate.objects.filter(audience=audience)
    if template_code:
        templates = templates.filter(code=template_code)
    else:
        templates = templates.filter(purpose=purpose)
    return list(
        Question.objects.filter(template__in=templates)
        .prefetch_related("choices")
        .order_by("template__code", "order", "id")
    )


def survey_quotes(*, responses: QuerySet[Response]) -> list[dict[str, str]]:
    """Return the consented comments, anonymous: text, council type and offer only."""
    consented = Answer.objects.filter(
        response_id=OuterRef("response_id"),
        question__code=CONSENT_CODE,
        choice__code=CONSENT_YES,
    )
    rows = (
        Answer.objects.filter(response__in=responses.values("pk"), question__code=COMMENT_CODE)
        .exclude(text="")
        .filter(Exists(consented))
        .values(
            "text",
            "response__council__council_type",
            "response__engagement__offer__code",
            "response__engagement__offer__name",
        )
        .order_by("response__submitted_at", "id")
    )
    types = dict(CouncilType.choices)
    return [
        {
            "text": row["text"],
            "council_type": row["response__council__council_type"] or "",
            "council_type_label": str(types.get(row["response__council__council_type"], "")),
            "offer": row["response__engagement__offer__code"],
            "offer_name": row["response__engagement__offer__name"],
        }
        for row in rows
    ]
