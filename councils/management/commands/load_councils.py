from django.core.management.base import BaseCommand

from councils.reference import SOURCE_CREDIT, councils_load_reference


class Command(BaseCommand):
    help = "Create or update the English and Welsh councils from the ONS reference list."

    def handle(self, *args, **options):
        counts = councils_load_reference()
        self.stdout.write(
            f"Councils: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged. {SOURCE_CREDIT}"
        )
