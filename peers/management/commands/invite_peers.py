"""Email peers a single-use link to set their password (their first sign-in)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from peers import services
from peers.models import Peer


class Command(BaseCommand):
    help = (
        "Invite peers to set a password. Name peers by email address, or use "
        "--all-without-password for every peer who has never set one. At most one "
        "invitation per peer per day is sent, so running it twice is safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="*", help="Email addresses of the peers to invite.")
        parser.add_argument(
            "--all-without-password",
            action="store_true",
            help="Invite every peer in the pool whose account has no password yet.",
        )

    def handle(self, *args, emails, all_without_password, **options):
        if bool(emails) == bool(all_without_password):
            raise CommandError("Give email addresses or --all-without-password (not both).")
        if all_without_password:
            peers = services.peers_without_password()
        else:
            found = {
                peer.user.email.lower(): peer
                for peer in Peer.objects.select_related("user").filter(
                    user__email__in=[email.lower() for email in emails]
                )
            }
            missing = [email for email in emails if email.lower() not in found]
            if missing:
                raise CommandError(f"No peer with the email address {', '.join(missing)}.")
            peers = list(found.values())
        queued = refused = 0
        for peer in peers:
            try:
                notification = services.peer_account_invite(peer=peer)
            except ValidationError as error:
                refused += 1
                self.stderr.write(f"{peer.user.email}: {' '.join(error.messages)}")
                continue
            if notification.queued_now:
                queued += 1
            else:
                self.stdout.write(f"{peer.user.email}: already invited today")
        self.stdout.write(f"Invited {queued} peer(s); {refused} refused.")
