"""import_peers: the peer pool, keyed by email address."""

from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.roles import Role
from councils.models import Council
from peers.models import (
    Peer,
    PeerKind,
    PoliticalGroup,
    RoleCategory,
    TrainingKind,
    TrainingRecord,
    WorkRegion,
)
from programmes.importers.csvfile import ImportReport, Row, read_rows, rows_import, split_cell
from programmes.importers.vocabulary import expertise_from_names

PEER_COLUMNS = [
    "email",
    "first_name",
    "last_name",
    "kind",
    "home_council",
    "political_group",
    "job_title",
    "role_category",
    "expertise",
    "regions",
]
# The day of the peer's latest peer training or member peer conference, when known.
PEER_OPTIONAL_COLUMNS = ("last_trained_on",)
IMPORTED_TRAINING_COURSE = "Peer training (imported)"


def _choice(value: str, choices, column: str, *, blank: str | None = None) -> str:
    value = value.strip().lower()
    if not value and blank is not None:
        return blank
    if value not in choices.values:
        raise ValidationError(
            f"{column} must be one of {', '.join(choices.values)}, not “{value}”."
            if value
            else f"Enter the {column}."
        )
    return value


def council_by_code(code: str) -> Council:
    council = Council.objects.filter(gss_code=code.strip().upper()).first()
    if council is None:
        raise ValidationError(
            f"No council has the ONS code “{code}”. Check the code, or load the councils "
            "with manage.py load_councils."
        )
    return council


def _regions(names: list[str]) -> list[WorkRegion]:
    by_name = {r.name.lower(): r for r in WorkRegion.objects.all()}
    unknown = [n for n in names if n.lower() not in by_name]
    if unknown:
        raise ValidationError(
            f"Unknown region: {', '.join(unknown)}. The regions are: "
            f"{'; '.join(sorted(r.name for r in by_name.values()))}."
        )
    return [by_name[n.lower()] for n in names]


def _peer_row(row: Row, report: ImportReport) -> str:
    email = row["email"].lower()
    if not email:
        raise ValidationError("Enter the email address.")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(f"“{row['email']}” is not a valid email address.") from None
    if not row["first_name"] or not row["last_name"]:
        raise ValidationError("Enter the first and last name.")
    kind = _choice(row["kind"], PeerKind, "kind")
    political_group = _choice(row["political_group"], PoliticalGroup, "political_group", blank="")
    if political_group and kind != PeerKind.MEMBER:
        raise ValidationError("Only member peers have a political group; leave it blank.")
    role_category = _choice(
        row["role_category"], RoleCategory, "role_category", blank=RoleCategory.OTHER
    )
    home_council = council_by_code(row["home_council"])
    last_trained_on = None
    if row["last_trained_on"]:
        try:
            last_trained_on = date.fromisoformat(row["last_trained_on"])
        except ValueError:
            raise ValidationError(
                f"last_trained_on must be a date like 2025-10-02, not “{row['last_trained_on']}”."
            ) from None
    regions = _regions(split_cell(row["regions"]))
    expertise = expertise_from_names(split_cell(row["expertise"]), report)

    User = get_user_model()
    outcome = "unchanged"
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=None, first_name=row["first_name"], last_name=row["last_name"]
        )
        outcome = "created"
    else:
        names = {"first_name": row["first_name"], "last_name": row["last_name"]}
        changed = [name for name, value in names.items() if getattr(user, name) != value]
        if changed:
            for name in changed:
                setattr(user, name, names[name])
            user.save(update_fields=changed)
            outcome = "updated"
    peer_group = Group.objects.get_or_create(name=Role.PEER)[0]
    if not user.groups.filter(pk=peer_group.pk).exists():
        user.groups.add(peer_group)
        outcome = "updated" if outcome == "unchanged" else outcome

    values = {
        "kind": kind,
        "home_council": home_council,
        "political_group": political_group,
        "job_title": row["job_title"],
        "role_category": role_category,
    }
    peer = Peer.objects.filter(user=user).first()
    if peer is None:
        peer = Peer(user=user, **values)
        peer.full_clean()
        peer._change_reason = "Imported"
        peer.save()
        outcome = "created"
    else:
        changed = [name for name, value in values.items() if getattr(peer, name) != value]
        if changed:
            for name in changed:
                setattr(peer, name, values[name])
            peer.full_clean()
            peer._change_reason = "Imported"
            peer.save(update_fields=[*changed, "updated_at"])
            outcome = "updated" if outcome == "unchanged" else outcome
    for relation, wanted in (("expertise", expertise), ("regions", regions)):
        manager = getattr(peer, relation)
        if {o.pk for o in wanted} != set(manager.values_list("pk", flat=True)):
            manager.set(wanted)
            outcome = "updated" if outcome == "unchanged" else outcome
    if last_trained_on and not peer.training_records.filter(attended_on=last_trained_on).exists():
        record = TrainingRecord(
            peer=peer,
            kind=TrainingKind.TRAINING,
            course=IMPORTED_TRAINING_COURSE,
            attended_on=last_trained_on,
        )
        record._change_reason = "Imported"
        record.save()
        outcome = "updated" if outcome == "unchanged" else outcome
    return outcome


def peers_import(path: str | Path, *, dry_run: bool = False) -> ImportReport:
    """Create or update peers (and their sign-in users, with no password) from a CSV file.

    New users get the Peer role and no usable password: they set one through "Forgotten
    your password?". An optional last_trained_on date records the peer's latest training
    (a training record, unless one on that day is there already). No email is sent.
    """
    rows = read_rows(path, PEER_COLUMNS, optional=PEER_OPTIONAL_COLUMNS)
    return rows_import(rows, _peer_row, dry_run=dry_run)
