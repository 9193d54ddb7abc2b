"""Load the hotline categories (data/categories.csv, see data/SOURCE.md)."""

from django.db import migrations

from cityhall.hotline.loading import categories_load


def load(apps, schema_editor):
    categories_load(apps)


def unload(apps, schema_editor):
    apps.get_model("hotline", "Category").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("hotline", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
