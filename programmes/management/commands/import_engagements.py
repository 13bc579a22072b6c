from programmes.importers import engagements_import
from programmes.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import engagements from CSV (reference,offer,councils,title,status,start_date,"
        "end_date,delivery,themes), all or nothing. See docs/importing.md."
    )
    noun = "engagements"

    def importer(self, path, *, dry_run):
        return engagements_import(path, dry_run=dry_run)
