"""import_team: team places, keyed by (engagement, peer)."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError

from peers.models import Peer
from programmes import services
from programmes.importers.csvfile import ImportReport, Row, read_rows, rows_import
from programmes.models import Engagement, PlaceStatus, TeamPlace, TeamRole

TEAM_COLUMNS = ["engagement", "peer_email", "role", "days", "status"]


def _team_row(row: Row, report: ImportReport) -> str:
    engagement = Engagement.objects.filter(reference=row["engagement"]).first()
    if engagement is None:
        raise ValidationError(
            f"No engagement has the reference “{row['engagement']}”. Import the engagements first."
        )
    peer = (
        Peer.objects.select_related("user")
        .filter(user__email__iexact=row["peer_email"].strip())
        .first()
    )
    if peer is None:
        raise ValidationError(
            f"No peer has the email address “{row['peer_email']}”. Import the peers first."
        )
    role = row["role"].strip().lower()
    if role not in TeamRole.values:
        raise ValidationError(f"role must be one of {', '.join(TeamRole.values)}, not “{role}”.")
    try:
        days = Decimal(row["days"])
    except InvalidOperation:
        raise ValidationError(
            f"days must be a number like 3 or 0.5, not “{row['days']}”."
        ) from None
    if not days.is_finite() or days > 99:
        raise ValidationError(f"days must be a number from 0 to 99, not “{row['days']}”.")
    status = row["status"].strip().lower()
    if status not in PlaceStatus.values:
        raise ValidationError(
            f"status must be one of {', '.join(PlaceStatus.values)}, not “{status}”."
        )
    existed = TeamPlace.objects.filter(engagement=engagement, peer=peer).exists()
    _, changed = services.team_place_record(
        engagement=engagement, peer=peer, role=role, days=days, status=status
    )
    if not existed:
        return "created"
    return "updated" if changed else "unchanged"


def team_import(path: str | Path, *, dry_run: bool = False) -> ImportReport:
    """Create or update team places from a CSV file; no invitation is sent."""
    return rows_import(read_rows(path, TEAM_COLUMNS), _team_row, dry_run=dry_run)
