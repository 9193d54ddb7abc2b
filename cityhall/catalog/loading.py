"""Load the service catalogue from `data/*.csv` (see data/SOURCE.md).

Takes the app registry as an argument so the data migration can run it against historical models
and `manage.py catalog_load` against the live ones. Idempotent and additive: departments, items
and bundles already present (by name or code) are left as they are, so administrators' edits and
later versions survive a reload.
"""

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from cityhall.catalog.workflow import process_bundle, process_standard

DATA_DIR = Path(__file__).resolve().parent / "data"

FIELD_TYPES = frozenset(
    {"text", "number", "date", "id_number", "phone", "uscc", "textarea", "choice"}
)


@dataclass(frozen=True)
class LoadCounts:
    departments: int
    items: int
    bundles: int


def _rows(name: str, data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def form_fields_parse(spec: str) -> list[dict[str, Any]]:
    """`key:标签:type:required|…` → [{"key", "label", "type", "required", "choices"}]."""
    fields = []
    for part in filter(None, (p.strip() for p in spec.split("|"))):
        key, label, kind, required = part.split(":")
        choices: list[str] = []
        if kind.startswith("choice(") and kind.endswith(")"):
            choices = kind[len("choice(") : -1].split("/")
            kind = "choice"
        if kind not in FIELD_TYPES:
            raise ValueError(f"unknown form field type {kind!r} in {part!r}")
        fields.append(
            {
                "key": key,
                "label": label,
                "type": kind,
                "required": required == "1",
                "choices": choices,
            }
        )
    return fields


def _names(value: str) -> list[str]:
    return [n.strip() for n in value.split(";") if n.strip()]


def catalogue_load(apps: Any, data_dir: Path = DATA_DIR) -> LoadCounts:
    Department = apps.get_model("catalog", "Department")
    ServiceItem = apps.get_model("catalog", "ServiceItem")
    ItemVersion = apps.get_model("catalog", "ItemVersion")
    Material = apps.get_model("catalog", "Material")
    Bundle = apps.get_model("catalog", "Bundle")
    BundleItem = apps.get_model("catalog", "BundleItem")

    departments = {d.name: d for d in Department.objects.all()}
    new_departments = [
        Department(name=r["name"], unit_suffix=r["unit_suffix"], level=r["level"])
        for r in _rows("departments.csv", data_dir)
        if r["name"] not in departments
    ]
    Department.objects.bulk_create(new_departments)
    departments = {d.name: d for d in Department.objects.all()}

    materials_by_item: dict[str, list[dict[str, str]]] = {}
    for row in _rows("materials.csv", data_dir):
        materials_by_item.setdefault(row["item_code"], []).append(row)

    now = timezone.now()
    existing = set(ServiceItem.objects.values_list("code", flat=True))
    items = 0
    for row in _rows("service_items.csv", data_dir):
        code = row["code"]
        if code in existing:
            continue
        lead = departments[row["department"]]
        reviewers = [departments[n] for n in _names(row["parallel_departments"])]
        instant = row["instant"] == "1"
        item = ServiceItem.objects.create(code=code, area=row["area"])
        version = ItemVersion.objects.create(
            item=item,
            number=1,
            status="published",
            name=row["name"],
            kind=row["kind"],
            department=lead,
            applicant_type=row["applicant_type"],
            legal_basis=row["legal_basis"],
            conditions=row["conditions"],
            legal_limit_days=int(row["legal_limit_working_days"]),
            promised_limit_days=int(row["promised_limit_working_days"]),
            instant=instant,
            venues=[v for v in row["venues"].split("|") if v],
            online_depth=int(row["online_depth"]),
            required_visits=int(row["required_visits"]),
            fee=row["fee"] or "不收费",
            result_type=row["result_type"],
            result_name=row["result_name"],
            form_fields=form_fields_parse(row["form_fields"]),
            bpmn_xml=process_standard(
                process_id=f"item_{code.replace('-', '_')}",
                name=row["name"],
                lead_lane=lead.name,
                review_lanes=[d.name for d in reviewers],
                instant=instant,
            ),
            published_at=now,
        )
        version.review_departments.set(reviewers)
        Material.objects.bulk_create(
            Material(
                version=version,
                seq=int(m["seq"]),
                name=m["name"],
                required=m["required"] == "1",
                form=m["form"],
                blank_form=m["blank_form"] == "1",
                fetch_source=m["fetch_source"],
                note=m["note"],
            )
            for m in materials_by_item.get(code, [])
        )
        items += 1

    bundles = 0
    existing_bundles = set(Bundle.objects.values_list("code", flat=True))
    for row in _rows("bundles.csv", data_dir):
        if row["code"] in existing_bundles:
            continue
        codes = [c for c in row["items"].split("|") if c]
        versions = {
            v.item.code: v
            for v in ItemVersion.objects.filter(
                item__code__in=codes, status="published"
            ).select_related("item", "department")
        }
        lead = departments[row["department"]]
        bundle = Bundle.objects.create(
            code=row["code"],
            name=row["name"],
            area=row["area"],
            description=row["description"],
            department=lead,
            bpmn_xml=process_bundle(
                process_id=f"bundle_{row['code'].replace('-', '_')}",
                name=row["name"],
                lead_lane=lead.name,
                item_lanes=[(c, versions[c].department.name) for c in codes],
            ),
        )
        BundleItem.objects.bulk_create(
            BundleItem(bundle=bundle, item=versions[c].item, seq=n)
            for n, c in enumerate(codes, start=1)
        )
        bundles += 1
    return LoadCounts(len(new_departments), items, bundles)
