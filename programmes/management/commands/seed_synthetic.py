from datetime import date

from django.core.management.base import BaseCommand, CommandError

from programmes.synthetic import synthetic_build


class Command(BaseCommand):
    help = (
        "Build a synthetic programme on a fresh database: the real councils, 1,000 peers and "
        "300 engagements a year per unit of scale, with teams and survey answers. "
        "Deterministic for a seed. Written in bulk: no history rows, no emails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = the programme's size")
        parser.add_argument("--years", type=int, default=3, help="financial years of engagements")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
        )

    def handle(self, *args, scale, years, seed, today, **options):
        try:
            counts = synthetic_build(scale=scale, years=years, seed=seed, today=today)
        except (RuntimeError, ValueError) as error:
            raise CommandError(str(error)) from error
        seconds = counts.pop("seconds")
        self.stdout.write(f"Synthetic programme at scale {scale:g} built in {seconds:.1f} s:")
        for label, count in counts.items():
            self.stdout.write(f"  {count:>8,} {label}")
