"""The stocktake's definitions, written into every report's notes so figures can be traced."""

DEFINITIONS = [
    (
        "Delivered in the period",
        "Engagements in state delivered, feedback issued, follow-up or closed whose last "
        "activity day (or start date when there are no activity days) falls within the period.",
    ),
    (
        "Planned",
        "Engagements in state requested, scoping, scheduled, team confirmed or in delivery "
        "(not postponed, not cancelled) whose start date is after the period's end and on or "
        "before the 'planned until' date.",
    ),
    (
        "Offers",
        "Every figure covers only the offers chosen for the report (all offers when none are "
        "chosen).",
    ),
    ("Councils supported", "Distinct councils named on delivered engagements."),
    (
        "Councils with more than one offer",
        "Councils with delivered engagements of at least two different offers in the period.",
    ),
    (
        "Councils involved",
        "Councils supported, together with the home councils of peers who held an accepted "
        "place on a delivered engagement.",
    ),
    (
        "Peers",
        "Distinct peers with an accepted place on a delivered engagement; peer home councils "
        "are their distinct home councils.",
    ),
    (
        "Regions",
        "An engagement counts under every region of its councils, so regional figures can add "
        "up to more than the total.",
    ),
    (
        "Survey figures",
        "Responses about engagements delivered in the period. Each percentage is of those who "
        "answered that question, rounded half up to a whole number; it is blank (null) when "
        "nobody answered.",
    ),
    (
        "Quotes",
        "Free-text comments whose authors agreed to be quoted anonymously; shown with the "
        "audience and offer only.",
    ),
]
