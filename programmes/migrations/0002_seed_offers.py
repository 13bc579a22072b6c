from decimal import Decimal

from django.db import migrations

# code, name, delivery, onsite required, days, hours, group, free entitlement, description
OFFERS = [
    ("CPC", "Corporate Peer Challenge", "blended", True, "4", None, False, True,
     "Free, at a time of the council's choosing, ideally every 3–4 years. Scoping meeting 4–6 "
     "months ahead; 3 (district) or 4 (upper tier) days with an onsite element; the five core "
     "components are always covered."),
    ("RRP", "Recovery and Renewal Panel", "remote", False, "0.5", "3", False, False,
     "A 2–3 hour remote workshop with a chief-executive peer and a leader peer, preceded by desk "
     "analysis, an LG Inform report and a pre-panel survey."),
    ("BRPS", "Bespoke Remote Peer Support", "remote", False, "3.5", None, False, False,
     "A team of senior officer and member peers works remotely on one issue or service area for "
     "3–4 days, then writes detailed feedback."),
    ("RCHC", "Remote Corporate Health Check", "remote", False, "3", None, False, False,
     "Remote, over a period of days: priority setting, place leadership, financial planning."),
    ("DIP", "Delivery and Impact Panel (rough sleeping)", "remote", False, "0.5", "2.5", True,
     False,
     "A 2.5-hour online panel for a group of councils with similar characteristics, with a "
     "summary write-up per panel and one national report."),
    ("FPC", "Finance Peer Challenge", "blended", True, "3", None, False, False,
     "Like a corporate peer challenge, with a narrower focus on finance."),
    ("GPC", "Governance Peer Challenge", "blended", True, "3", None, False, False,
     "Like a corporate peer challenge, with a narrower focus on governance."),
    ("MENTOR", "Member peer mentoring", "remote", False, "2", None, False, False,
     "One experienced councillor mentors another over several months."),
]

TEAM = {
    "CPC": [("lead_member", 1, "leader"), ("lead_officer", 1, "chief_executive"),
            ("member", 1, ""), ("officer", 2, "")],
    "RRP": [("lead_officer", 1, "chief_executive"), ("lead_member", 1, "leader")],
    "BRPS": [("lead_member", 1, ""), ("lead_officer", 1, ""), ("officer", 1, "")],
    "RCHC": [("lead_member", 1, "leader"), ("lead_officer", 1, "chief_executive"),
             ("officer", 1, "finance")],
    "DIP": [("lead_officer", 1, "chief_executive"), ("lead_member", 1, "cabinet_member")],
    "FPC": [("lead_member", 1, "cabinet_member"), ("lead_officer", 1, "finance"),
            ("officer", 1, "finance")],
    "GPC": [("lead_member", 1, "leader"), ("lead_officer", 1, "legal_democratic"),
            ("officer", 1, "")],
    "MENTOR": [("lead_member", 1, "")],
}

# code, name, anchor, offset days, window days
MILESTONES = {
    "CPC": [
        ("scoping_meeting", "Scoping meeting with the leader and chief executive", "start", -180, 60),
        ("feedback_letter", "Feedback letter or report issued", "end", 21, 14),
        ("improvement_planning", "Improvement planning session offered", "end", 42, 28),
        ("follow_up", "Follow-up session", "end", 90, 90),
        ("progress_review", "Remote progress review", "end", 300, 65),
    ],
    "RRP": [
        ("pre_panel_survey", "Pre-panel survey returned", "start", -14, 7),
        ("feedback_letter", "Panel feedback sent", "end", 14, 7),
    ],
    "BRPS": [("feedback_letter", "Detailed feedback sent", "end", 21, 14)],
    "RCHC": [("feedback_letter", "Health check feedback sent", "end", 21, 14)],
    "DIP": [("panel_write_up", "Panel write-up", "end", 14, 14)],
    "FPC": [
        ("scoping_meeting", "Scoping meeting", "start", -120, 60),
        ("feedback_letter", "Feedback letter issued", "end", 21, 14),
        ("follow_up", "Follow-up session", "end", 90, 90),
    ],
    "GPC": [
        ("scoping_meeting", "Scoping meeting", "start", -120, 60),
        ("feedback_letter", "Feedback letter issued", "end", 21, 14),
        ("follow_up", "Follow-up session", "end", 90, 90),
    ],
    "MENTOR": [],
}


def seed(apps, schema_editor):
    Offer = apps.get_model("programmes", "Offer")
    OfferTeamRole = apps.get_model("programmes", "OfferTeamRole")
    OfferMilestone = apps.get_model("programmes", "OfferMilestone")
    for code, name, mode, onsite, days, hours, group, free, description in OFFERS:
        offer, _ = Offer.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "delivery_mode": mode, "onsite_required": onsite,
                "typical_days": Decimal(days), "typical_hours": Decimal(hours) if hours else None,
                "serves_group": group, "free_entitlement": free, "description": description,
                "open_to_councils": code != "MENTOR",
            },
        )
        for role, count, category in TEAM[code]:
            OfferTeamRole.objects.update_or_create(
                offer=offer, role=role,
                defaults={"count": count, "preferred_role_category": category},
            )
        for mcode, mname, anchor, offset, window in MILESTONES[code]:
            OfferMilestone.objects.update_or_create(
                offer=offer, code=mcode,
                defaults={"name": mname, "anchor": anchor, "offset_days": offset,
                          "window_days": window},
            )


def unseed(apps, schema_editor):
    apps.get_model("programmes", "Offer").objects.filter(
        code__in=[o[0] for o in OFFERS], engagements__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0001_offers_engagements_teams")]
    operations = [migrations.RunPython(seed, unseed)]
