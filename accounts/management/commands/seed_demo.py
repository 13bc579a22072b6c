from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_USERS, demo_build, demo_surveys_answer


class Command(BaseCommand):
    help = "Create the demo programme and one sign-in per role (never in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo users are never created under the production profile.")
        result = demo_build()
        # After demo_build has committed: its status changes queued the survey invitations.
        answered = demo_surveys_answer()
        if answered:
            self.stdout.write(f"Demo survey answers recorded: {answered}.")
        if result["created"]:
            self.stdout.write(
                f"Demo programme created: {result['engagements']} engagements, "
                f"{result['peers']} peers."
            )
        else:
            self.stdout.write("Demo programme already present: nothing changed.")
        self.stdout.write(f"\nDemo sign-ins (password: {settings.DEMO_PASSWORD}):")
        for email, _first, _last, role, _staff in DEMO_USERS:
            self.stdout.write(f"  {role:<26} {email}")
        self.stdout.write("\nOpen http://127.0.0.1:8000/ and sign in.")
