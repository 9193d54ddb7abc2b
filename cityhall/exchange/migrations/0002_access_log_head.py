from django.db import migrations


def head_create(apps, schema_editor):
    apps.get_model("exchange", "AccessLogHead").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [migrations.RunPython(head_create, migrations.RunPython.noop)]
