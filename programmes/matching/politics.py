"""Political balance of a team: one set of facts, and everything said about them.

Member peers have a political group, and a team should be able to work with the council's
administration and be politically balanced (DOMAIN.md). Two rules say how, and the score,
the suggested team and the page all use them:

- the lead member peer fits best from the group in control of the council (any group fits
  as well as another when no single party controls it);
- every other member peer fits when they add a group the team does not have yet (the
  member peers held or suggested before them). A member peer with no group recorded adds
  none.

``group_fit`` and ``group_fit_reason`` give a candidate's points and the words for them;
``PoliticalBalance`` holds the facts of a whole team (held and suggested member peers) and
renders its sentences from them, so the page cannot say a team is balanced when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from councils.models import PoliticalControl
from peers.models import PoliticalGroup
from programmes.models import OFFICER_ROLES, TeamRole

PARTY_CONTROLS = frozenset(PoliticalControl.values) - {
    PoliticalControl.NO_OVERALL_CONTROL,
    PoliticalControl.OTHER,
}
SUGGESTED = "suggested"
# What the team choice could not do (PoliticalBalance.shortfalls).
NO_ADMINISTRATION_LEAD = "no_administration_lead"
NO_OTHER_GROUP = "no_other_group"


def group_label(group: str) -> str:
    return str(PoliticalGroup(group).label) if group else "No group recorded"


def single_party(controls) -> str:
    """The party in control when every council is controlled by the same one, else ""."""
    controls = set(controls)
    if len(controls) == 1:
        (control,) = controls
        if control in PARTY_CONTROLS:
            return control
    return ""


@dataclass(frozen=True)
class TeamMember:
    """A member peer on the team (an invited or accepted place) or suggested for it."""

    peer_id: int
    role: str
    group: str  # a PoliticalGroup value; "" when none is recorded
    source: str  # SUGGESTED, or the place's status
    name: str = ""

    @property
    def description(self) -> str:
        """For example: Labour lead member peer, suggested."""
        return f"{group_label(self.group)} {TeamRole(self.role).label.lower()}, {self.source}"

    @property
    def line(self) -> str:
        """For example: Alex Smith, Labour (lead member peer, suggested)."""
        return (
            f"{self.name or 'A peer'}, {group_label(self.group)} "
            f"({TeamRole(self.role).label.lower()}, {self.source})"
        )


def groups_taken(team, control: str) -> frozenset[str]:
    """The groups a further member peer is compared with: those of the team's member peers,
    or, before the team has any, the administration's (the lead usually comes from it)."""
    groups = frozenset(m.group for m in team if m.group)
    if not list(team) and control:
        return frozenset({control})
    return groups


def group_fit(role: str, group: str, *, control: str, team=()) -> float:
    """A member peer's political fit for a place, between 0 and 1 (see the module)."""
    if role == TeamRole.LEAD_MEMBER:
        if not control:
            return 0.5
        return 1.0 if group == control else 0.0
    if role != TeamRole.MEMBER:
        return 0.0
    return 1.0 if group and group not in groups_taken(team, control) else 0.0


def group_fit_reason(role: str, group: str, *, controls, team=()) -> str:
    """group_fit in plain words, naming what the peer was compared with."""
    control = single_party(controls)
    label = group_label(group)
    if role == TeamRole.LEAD_MEMBER:
        if control:
            same = "the same group as" if group == control else "a different group from"
            return f"{label}: {same} the council's {group_label(control)} administration"
        return f"{label}: {control_words(controls)}, so any group can lead"
    if role != TeamRole.MEMBER:
        return f"Does not apply to {'officer places' if role in OFFICER_ROLES else 'this place'}"
    team = list(team)
    if not group:
        return f"{label}, so they add no group to the team"
    if not team:
        if control:
            same = "the administration's group" if group == control else "not the administration's"
            return (
                f"{label}: {same} ({group_label(control)}); no lead member peer is on the "
                "team yet, and the lead usually comes from it"
            )
        return f"{label}: the first member peer on the team"
    has = "; ".join(m.description for m in team)
    if group in groups_taken(team, control):
        return f"{label}: the team already has a {label} member peer ({has})"
    return f"{label}: a group the team does not have yet (it has: {has})"


def control_words(controls) -> str:
    """The councils' political control in words, for example: no overall control."""
    controls = sorted(set(controls))
    if len(controls) > 1:
        labels = ", ".join(
            str(PoliticalControl(c).label) if c else "not recorded" for c in controls
        )
        return f"the councils are under different control ({labels})"
    control = controls[0] if controls else ""
    if not control:
        return "the council's political control is not recorded"
    if control == PoliticalControl.NO_OVERALL_CONTROL:
        return "the council has no overall control"
    if control == PoliticalControl.OTHER:
        return "the council is controlled by another party or group"
    return f"the council is under {PoliticalControl(control).label} control"


@dataclass(frozen=True)
class PoliticalBalance:
    """The political facts of a team: its councils' control and its member peers.

    Built from the member peers held on the team and those ticked by the suggestion (the
    same list the team was chosen with); every sentence the page shows is rendered here.
    """

    controls: tuple[str, ...]
    members: tuple[TeamMember, ...]  # leads first, in the order they were chosen
    considered: bool = True  # political fit had a weight when the team was chosen
    shortfalls: frozenset[str] = field(default_factory=frozenset)

    @property
    def control(self) -> str:
        return single_party(self.controls)

    @property
    def lead(self) -> TeamMember | None:
        return next((m for m in self.members if m.role == TeamRole.LEAD_MEMBER), None)

    @property
    def lead_fits_control(self) -> bool | None:
        """Whether the lead is from the group in control (None: no lead, or no one party)."""
        if self.lead is None or not self.control:
            return None
        return self.lead.group == self.control

    @property
    def groups(self) -> tuple[str, ...]:
        """The groups recorded for the member peers, each once, in the team's order."""
        return tuple(dict.fromkeys(m.group for m in self.members if m.group))

    @property
    def unrecorded(self) -> int:
        return sum(1 for m in self.members if not m.group)

    @property
    def mixed(self) -> bool:
        """Two or more member peers, from at least two groups."""
        return len(self.groups) > 1

    @property
    def applies(self) -> bool:
        """Balance between member peers applies from two member peers up."""
        return len(self.members) > 1

    @property
    def warning(self) -> bool:
        return (self.applies and not self.mixed) or self.lead_fits_control is False

    def member_lines(self) -> list[str]:
        return [m.line for m in self.members]

    def sentences(self) -> list[str]:
        """What the page says about the team's political balance, from these facts only."""
        said = [f"Political control: {control_words(self.controls)}."]
        lead = self.lead
        if lead is None:
            said.append("No lead member peer is on the team or suggested.")
        elif self.control:
            if lead.group == self.control:
                said.append(
                    f"The lead member peer is {group_label(lead.group)}, the administration's "
                    "group."
                )
            else:
                said.append(
                    f"The lead member peer is {group_label(lead.group)}, not the "
                    f"administration's group ({group_label(self.control)})."
                )
                if NO_ADMINISTRATION_LEAD in self.shortfalls:
                    said.append(
                        f"No eligible {group_label(self.control)} member peer could take the "
                        "lead member place."
                    )
        else:
            said.append(
                f"The lead member peer is {group_label(lead.group)}; with no single party in "
                "control, any group can lead."
            )
        said.extend(self._balance_sentences())
        return said

    def _balance_sentences(self) -> list[str]:
        count = len(self.members)
        if count == 0:
            return ["No member peer is on the team or suggested."]
        if count == 1:
            return ["With one member peer, there is no balance between member peers to strike."]
        labels = ", ".join(group_label(g) for g in self.groups)
        if self.mixed:
            return [
                f"Politically balanced: the {count} member peers come from "
                f"{len(self.groups)} groups ({labels})."
            ]
        said = []
        if self.unrecorded:
            known = f"; the rest: {labels}" if self.groups else ""
            have = "has" if self.unrecorded == 1 else "have"
            said.append(
                f"Not known to be politically balanced: {self.unrecorded} of the {count} "
                f"member peers {have} no political group recorded{known}."
            )
        else:
            every = "both" if count == 2 else f"all {count}"
            said.append(f"Not politically balanced: {every} member peers are {labels}.")
        if not self.considered:
            said.append(
                "Political fit has no weight in the score, so party did not choose the team."
            )
        elif NO_OTHER_GROUP in self.shortfalls:
            said.append(
                "No eligible member peer from another group could take the open member places."
            )
        elif not any(m.source == SUGGESTED for m in self.members):
            said.append("The member places are already held.")
        return said


__all__ = [
    "PARTY_CONTROLS",
    "PoliticalBalance",
    "TeamMember",
    "control_words",
    "group_fit",
    "group_fit_reason",
    "group_label",
    "groups_taken",
    "single_party",
]
