"""Lay out the synthetic demo communities and grids over Guangzhou (safe to run again)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityhall.core.errors import DomainError
from cityhall.geo.services import DEMO_SEED, demo_layout_build


class Command(BaseCommand):
    help = (
        "Build the demo layout: synthetic, non-overlapping community and grid polygons for "
        "every street of Guangzhou. Deterministic; a second run with the same options changes "
        "nothing. Refuses to run over imported real boundaries."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--communities-per-street", type=int, default=4)
        parser.add_argument("--grids-per-community", type=int, default=3)
        parser.add_argument("--seed", type=int, default=DEMO_SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = demo_layout_build(
                communities_per_street=options["communities_per_street"],
                grids_per_community=options["grids_per_community"],
                seed=options["seed"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"communities +{report.communities_created} -{report.communities_deleted}, "
                f"grids +{report.grids_created} ~{report.grids_updated} -{report.grids_deleted}, "
                f"boundaries changed on {report.divisions_updated} divisions"
            )
        )
