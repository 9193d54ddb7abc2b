"""Load Guangzhou, its 11 districts and 177 streets/towns, so every database has them.

Reads the project's own copy of the Ministry of Civil Affairs table (cityhall/geo/data, see
SOURCE.md). A later change to that data needs a new migration: this one will not run again.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SOURCE = "民政部行政区划代码表（截至 2025-12-31）"
CENTRE_SOURCE_NOTE = "；区中心为区政府驻地近似位置"
# The file distinguishes towns (镇) from sub-districts (街道); the model keeps both at one level
# and tells them apart by name.
LEVELS = {"city": "city", "district": "district", "street": "street", "town": "street"}


def load(apps, schema_editor):
    Division = apps.get_model("geo", "Division")
    with (DATA_DIR / "district_centres.csv").open(encoding="utf-8", newline="") as fh:
        centres = {row["code"]: (float(row["lat"]), float(row["lng"])) for row in csv.DictReader(fh)}
    with (DATA_DIR / "guangzhou_divisions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_code = {}
    # The file lists parents before children, which is the order the foreign keys need.
    for row in rows:
        code = row["code"]
        lat, lng = centres.get(code, (None, None))
        division, _ = Division.objects.update_or_create(
            code=code,
            defaults={
                "name": row["name"],
                "level": LEVELS[row["level"]],
                "parent": by_code.get(row["parent_code"]),
                "centre_lat": lat,
                "centre_lng": lng,
                "source": SOURCE + (CENTRE_SOURCE_NOTE if lat is not None else ""),
            },
        )
        by_code[code] = division


class Migration(migrations.Migration):

    dependencies = [
        ("geo", "0002_boundary_provenance"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
