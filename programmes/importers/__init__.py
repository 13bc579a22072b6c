"""Bulk import from the programme's spreadsheets: peers, engagements and teams.

Every importer reads a CSV file with ``programmes.importers.csvfile``, checks each row with
the same services and rules as the admin and the web forms, and writes all or nothing.
See docs/importing.md for the formats.
"""

from programmes.importers.csvfile import ImportFileError, ImportReport
from programmes.importers.engagements import engagements_import
from programmes.importers.peers import peers_import
from programmes.importers.team import team_import

__all__ = [
    "ImportFileError",
    "ImportReport",
    "engagements_import",
    "peers_import",
    "team_import",
]
