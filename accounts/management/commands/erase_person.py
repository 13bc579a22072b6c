from django.core.management.base import BaseCommand, CommandError

from accounts.erasure import person_erase
from accounts.models import User


class Command(BaseCommand):
    help = "Anonymise a person (and their peer profile) everywhere, history tables included."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The email address the person signs in with")
        parser.add_argument("--yes", action="store_true", help="Confirm: erasure cannot be undone")

    def handle(self, *args, email, yes, **options):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user has the email address {email}")
        if not yes:
            raise CommandError("Erasure cannot be undone. Run again with --yes to confirm.")
        counts = person_erase(user=user)
        self.stdout.write(
            f"Erased user {user.pk}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        )
