from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("geo", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="division",
            name="boundary_source",
            field=models.CharField(blank=True, max_length=200, verbose_name="边界来源"),
        ),
        migrations.AddField(
            model_name="grid",
            name="source",
            field=models.CharField(blank=True, max_length=200, verbose_name="边界来源"),
        ),
    ]
