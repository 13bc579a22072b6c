from programmes.importers import peers_import
from programmes.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import peers from CSV (email,first_name,last_name,kind,home_council,political_group,"
        "job_title,role_category,expertise,regions), all or nothing. See docs/importing.md."
    )
    noun = "peers"

    def importer(self, path, *, dry_run):
        return peers_import(path, dry_run=dry_run)
