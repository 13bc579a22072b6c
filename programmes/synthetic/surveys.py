"""Synthetic survey invitations and answers at realistic response rates."""

import base64
from collections import defaultdict
from datetime import timedelta

from programmes import workflow
from programmes.models import (
    PlaceStatus,
)
from programmes.synthetic.base import ANSWER_WEIGHTS, COMMENTS, LEARNED, RESPONSE_RATES, S


class SurveysMixin:
    def _surveys(self) -> None:
        """Invitations to councils and peers after delivery (and before RRPs), with answers."""
        try:
            from surveys.models import Answer, Invitation, Response, SurveyTemplate
        except ImportError:  # the surveys app is not installed yet
            return
        rng = self.rng
        templates = list(
            SurveyTemplate.objects.filter(is_active=True).prefetch_related(
                "offers", "questions__choices"
            )
        )
        if not templates:
            return
        offers_of = {t.pk: {o.pk for o in t.offers.all()} for t in templates}
        accepted = defaultdict(list)
        for place in self.places:
            if place.status == PlaceStatus.ACCEPTED:
                accepted[place.engagement_id].append(place.peer)
        invitations, answers_of = [], []
        for engagement in self.engagements:
            councils = self.councils_of[engagement.pk]
            for template in templates:
                if engagement.offer_id not in offers_of[template.pk]:
                    continue
                if not workflow.reached(engagement.status, template.send_on_status):
                    continue
                anchor = (
                    engagement.end_date + timedelta(1)
                    if template.send_on_status == S.DELIVERED
                    else engagement.start_date - timedelta(21)
                )
                sent = min(self._at(anchor, 7), self.now - timedelta(hours=1))
                if template.audience == "council":
                    recipients = [(u, c) for c in councils for u in self.contacts.get(c.pk, [])]
                else:
                    single = councils[0] if len(councils) == 1 else None
                    recipients = [(p.user, single) for p in accepted[engagement.pk]]
                for user, council in recipients:
                    token = (
                        base64.urlsafe_b64encode(rng.getrandbits(256).to_bytes(32, "big"))
                        .decode()
                        .rstrip("=")
                    )
                    invitation = Invitation(
                        template=template,
                        engagement=engagement,
                        audience=template.audience,
                        council=council,
                        user=user,
                        email=user.email,
                        token=token,
                        sent_at=sent,
                        closes_at=sent + timedelta(days=template.open_days),
                    )
                    invitations.append(invitation)
                    rate = RESPONSE_RATES.get(template.code, 0.5)
                    open_for = (self.now - sent).days
                    if open_for < template.open_days:
                        rate *= max(open_for, 0) / template.open_days
                    answers_of.append(rng.random() < rate)
        self._bulk(Invitation, invitations, "survey invitations")
        responses = []
        for invitation, answered in zip(invitations, answers_of, strict=True):
            if not answered:
                continue
            open_for = max(
                1, min(invitation.template.open_days, (self.now - invitation.sent_at).days)
            )
            submitted = min(
                invitation.sent_at
                + timedelta(days=rng.randint(0, open_for - 1), hours=rng.randint(1, 9)),
                self.now,
            )
            response = Response(
                invitation=invitation,
                template=invitation.template,
                engagement=invitation.engagement,
                audience=invitation.audience,
                council=invitation.council,
                submitted_at=submitted,
                source="web",
            )
            responses.append(response)
        self._bulk(Response, responses, "survey responses")
        rows = []
        for response in responses:
            rows += self._answers(response, Answer)
        self._bulk(Answer, rows, "survey answers")

    def _answers(self, response, Answer) -> list:
        rng = self.rng
        rows, commented = [], False
        for question in response.template.questions.all():
            if not question.is_active:
                continue
            choices = [c for c in question.choices.all() if c.is_active]
            kind = question.question_type
            if question.code == "quote_consent":
                if commented or rng.random() < 0.3:
                    pick = choices[0] if rng.random() < 0.6 else choices[-1]
                    rows.append(Answer(response=response, question=question, choice=pick))
                continue
            if kind == "single_choice" and choices:
                weights = ANSWER_WEIGHTS.get(question.code) or [
                    max(1, 10 - 3 * n) for n in range(len(choices))
                ]
                pick = rng.choices(
                    choices, weights=weights[: len(choices)] + [1] * (len(choices) - len(weights))
                )[0]
                rows.append(Answer(response=response, question=question, choice=pick))
            elif kind == "multiple_choice" and choices:
                for pick in rng.sample(choices, min(len(choices), rng.randint(1, 3))):
                    rows.append(Answer(response=response, question=question, choice=pick))
            elif kind == "number":
                if question.is_required or rng.random() < 0.7:
                    low = question.min_value if question.min_value is not None else 1
                    high = question.max_value if question.max_value is not None else 10
                    rows.append(
                        Answer(response=response, question=question, number=rng.randint(low, high))
                    )
            elif kind == "free_text" and (question.is_required or rng.random() < 0.45):
                text = rng.choice(LEARNED if question.code == "learned" else COMMENTS)
                rows.append(Answer(response=response, question=question, text=text))
                commented = commented or question.code == "comment"
        return rows
