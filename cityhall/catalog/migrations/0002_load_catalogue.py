"""Load the service catalogue (data/*.csv, see data/SOURCE.md): departments, items, bundles."""

from django.db import migrations

from cityhall.catalog.loading import catalogue_load


def load(apps, schema_editor):
    catalogue_load(apps)


def unload(apps, schema_editor):
    for model in ("BundleItem", "Bundle", "Material", "ItemVersion", "ServiceItem", "Department"):
        apps.get_model("catalog", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
