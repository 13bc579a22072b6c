from programmes.importers import team_import
from programmes.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import team places from CSV (engagement,peer_email,role,days,status), all or "
        "nothing; no invitations are sent. See docs/importing.md."
    )
    noun = "team places"

    def importer(self, path, *, dry_run):
        return team_import(path, dry_run=dry_run)
