"""An independent check that an allocation proposal breaks no rule.

Written against the per-pair reference rules (programmes.rules, onsite and training
included), one peer and one engagement at a time, never with the bulk filters or
the solver's model, so a mistake in either is caught.
"""

from collections import defaultdict
from decimal import Decimal

from peers.models import Peer, PeerKind
from programmes import rules
from programmes.models import HOLDING_STATUSES, Engagement, OfferTeamRole, TeamPlace
from programmes.periods import financial_year_of
from programmes.selectors import peer_day_cap, peer_days_used


def _overlap(a: Engagement, b: Engagement) -> bool:
    if not a.start_date or not b.start_date:
        return False
    return a.start_date <= (b.end_date or b.start_date) and b.start_date <= (
        a.end_date or a.start_date
    )


def proposal_breaches(assignments, *, required_leads: bool = False) -> list[str]:
    """Every rule the proposal (items with engagement_id, role, peer_id, days) breaks."""
    problems = []
    engagements = Engagement.objects.select_related("offer").in_bulk(
        {a.engagement_id for a in assignments}
    )
    peers = Peer.objects.select_related("home_council").in_bulk({a.peer_id for a in assignments})
    seen = set()
    per_role = defaultdict(int)
    per_peer = defaultdict(list)
    for a in assignments:
        engagement, peer = engagements[a.engagement_id], peers[a.peer_id]
        if (a.engagement_id, a.peer_id) in seen:
            problems.append(f"{peer} has two places on {engagement.reference}")
        seen.add((a.engagement_id, a.peer_id))
        per_role[(a.engagement_id, a.role)] += 1
        per_peer[a.peer_id].append((engagement, Decimal(a.days)))
        if TeamPlace.objects.filter(engagement=engagement, peer=peer).exists():
            problems.append(f"{peer} already has a place on {engagement.reference}")
        for breach in rules.placement_breaches(
            peer=peer, engagement=engagement, role=a.role, days=Decimal(a.days)
        ):
            problems.append(f"{engagement.reference}: {breach.message}")
    # Across the proposal: overlapping engagements and the day cap per financial year.
    for peer_id, items in per_peer.items():
        peer = peers[peer_id]
        for i, (first, _) in enumerate(items):
            for second, _ in items[i + 1 :]:
                if first.pk != second.pk and _overlap(first, second):
                    problems.append(
                        f"{peer} is proposed for {first.reference} and {second.reference}, "
                        "which overlap"
                    )
        if peer.kind != PeerKind.MEMBER:
            continue
        per_year = defaultdict(Decimal)
        for engagement, days in items:
            if engagement.start_date:
                per_year[financial_year_of(engagement.start_date)] += days
        for year, days in per_year.items():
            used = peer_days_used(peer=peer, financial_year=year)
            cap = peer_day_cap(peer=peer, financial_year=year)
            if used + days > cap:
                problems.append(f"{peer} would have {used + days:g} days in {year}, over {cap:g}")
    # Composition: never more places than the role still needs; leads filled if required.
    for (engagement_id, role), count in per_role.items():
        engagement = engagements[engagement_id]
        wanted = (
            OfferTeamRole.objects.filter(offer=engagement.offer, role=role)
            .values_list("count", flat=True)
            .first()
            or 0
        )
        held = TeamPlace.objects.filter(
            engagement=engagement, role=role, status__in=HOLDING_STATUSES
        ).count()
        if held + count > wanted:
            problems.append(f"{engagement.reference}: too many {role} places proposed")
    return problems
