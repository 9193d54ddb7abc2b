"""Load items, departments and bundles from data/*.csv that are not in the catalogue yet."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from cityhall.catalog.loading import catalogue_load


class Command(BaseCommand):
    help = "Add the departments, service items and bundles of cityhall/catalog/data missing here."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            counts = catalogue_load(apps)
        self.stdout.write(
            f"departments +{counts.departments}, items +{counts.items}, bundles +{counts.bundles}"
        )
