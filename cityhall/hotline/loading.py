"""Load the hotline categories (data/categories.csv, see data/SOURCE.md)."""

import csv
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
SOURCE = "12345/12319 工作分类（shared/data/hotline_categories.csv，见 data/SOURCE.md）"


def category_rows() -> list[dict[str, Any]]:
    with (DATA / "categories.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        {
            "code": row["code"],
            "name": row["name"],
            "group": row["group"],
            "handler_level": row["handler_level"],
            "department": row["department"],
            "unit_suffix": row["unit_suffix"],
            "time_limit_days": int(row["time_limit_working_days"]),
            "urgent": row["urgent"] == "1",
            "urgent_hours": int(row["urgent_hours"]) if row["urgent_hours"] else None,
            "keywords": row["keywords"],
            "source": SOURCE,
        }
        for row in rows
    ]


def categories_load(apps: Any) -> int:
    """Add the categories that are missing (edited ones are left as the administrator set them).

    `apps` is a migration's app registry, or `django.apps.apps` from the command.
    """
    Category = apps.get_model("hotline", "Category")
    existing = set(Category.objects.values_list("code", flat=True))
    new = [Category(**row) for row in category_rows() if row["code"] not in existing]
    Category.objects.bulk_create(new)
    return len(new)
