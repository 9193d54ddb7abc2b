"""The open datasets as one request sees them, and their CKAN dictionaries (packages,
resources, organizations, groups)."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from cityhall.exchange import opendata
from cityhall.exchange.ckan.errors import NotFound
from cityhall.exchange.models import DataResource
from cityhall.exchange.vocab import UpdateFrequency
from cityhall.identity.models import OrgUnit
from cityhall.registry.selectors import SMALL_CELL_MIN

# ids are UUID5 in this namespace (itself a UUID5 of the product's name).
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "opendata.cityhall")


@dataclass(frozen=True)
class License:
    title: str
    url: str
    is_open: bool


# The licences a resource may name (DataResource.license_id), with CKAN's titles where CKAN's
# licence register has them.
LICENSES: dict[str, License] = {
    "cc-by-4.0": License(
        "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/", True
    ),
    "cc-by": License(
        "Creative Commons Attribution", "http://www.opendefinition.org/licenses/cc-by", True
    ),
    "cc-zero": License(
        "Creative Commons CCZero", "http://www.opendefinition.org/licenses/cc-zero", True
    ),
    "odc-by": License(
        "Open Data Commons Attribution License",
        "http://www.opendefinition.org/licenses/odc-by",
        True,
    ),
}

# Group titles of the catalogue's themes (a theme not listed is titled by its slug).
THEME_TITLES: dict[str, str | Promise] = {
    "population": gettext_lazy("人口"),
    "legal-persons": gettext_lazy("法人与市场主体"),
    "housing": gettext_lazy("住房与房屋"),
    "employment": gettext_lazy("就业"),
    "social-insurance": gettext_lazy("社会保障"),
}


def theme_title(theme: str) -> str:
    return str(THEME_TITLES.get(theme, theme))


def stable_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{key}"))


def timestamp(moment: datetime | None) -> str | None:
    """CKAN's form: naive UTC, ISO 8601 with microseconds."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


@dataclass
class Dataset:
    resource: DataResource
    view: opendata.OpenView | None

    @property
    def id(self) -> str:
        return stable_id("dataset", self.resource.code)

    @property
    def name(self) -> str:
        return self.resource.code

    @property
    def organization_name(self) -> str:
        return organization_name(self.resource.owner)

    @property
    def formats(self) -> list[opendata.FileFormat]:
        return list(opendata.FORMATS.values()) if self.view else []

    def resource_id(self, fmt: opendata.FileFormat) -> str:
        return stable_id("resource", f"{self.resource.code}:{fmt.code}")

    def filename(self, fmt: opendata.FileFormat) -> str:
        return f"{self.resource.code}.{fmt.code}"


def organization_name(unit: OrgUnit) -> str:
    return unit.code.lower()


@dataclass
class Catalogue:
    """The open datasets (a handful of rows: read once per request, filtered here)."""

    site_url: str
    datasets: list[Dataset] = field(default_factory=list)
    files: dict[tuple[str, str], opendata.OpenFile] = field(default_factory=dict)

    @classmethod
    def load(cls, site_url: str, *, with_fields: bool = False) -> "Catalogue":
        resources = opendata.open_resources()
        if with_fields:
            resources = resources.prefetch_related("fields")
        datasets = [Dataset(r, opendata.OPEN_VIEWS.get(r.view)) for r in resources]
        wanted = [(d.view, f) for d in datasets if d.view for f in d.formats]
        files = opendata.open_files_cached(wanted, stamp=opendata.data_stamp()) if wanted else {}
        return cls(site_url, datasets, files)

    def dataset(self, name_or_id: str) -> Dataset:
        for d in self.datasets:
            if name_or_id in (d.name, d.id):
                return d
        raise NotFound

    def organizations(self) -> dict[str, tuple[OrgUnit, list[Dataset]]]:
        found: dict[str, tuple[OrgUnit, list[Dataset]]] = {}
        for d in self.datasets:
            found.setdefault(d.organization_name, (d.resource.owner, []))[1].append(d)
        return found

    def groups(self) -> dict[str, list[Dataset]]:
        found: dict[str, list[Dataset]] = {}
        for d in self.datasets:
            if d.resource.theme:
                found.setdefault(d.resource.theme, []).append(d)
        return found

    # dictization ---------------------------------------------------------------------------------

    def organization_dict(self, unit: OrgUnit) -> dict[str, Any]:
        """As CKAN embeds it in a dataset."""
        return {
            "id": stable_id("organization", unit.code),
            "name": organization_name(unit),
            "title": unit.name,
            "type": "organization",
            "description": "",
            "image_url": "",
            "created": timestamp(unit.created_at),
            "is_organization": True,
            "approval_status": "approved",
            "state": "active",
        }

    def organization_full(self, unit: OrgUnit, datasets: list[Dataset]) -> dict[str, Any]:
        """As organization_list (all_fields) and organization_show return it."""
        return {
            **self.organization_dict(unit),
            "display_name": unit.name,
            "image_display_url": "",
            "num_followers": 0,
            "package_count": len(datasets),
        }

    def group_dict(self, theme: str) -> dict[str, Any]:
        """As CKAN embeds it in a dataset."""
        title = theme_title(theme)
        return {
            "id": stable_id("group", theme),
            "name": theme,
            "title": title,
            "display_name": title,
            "description": "",
            "image_display_url": "",
        }

    def group_full(self, theme: str, datasets: list[Dataset]) -> dict[str, Any]:
        created = min(d.resource.created_at for d in datasets)
        return {
            **self.group_dict(theme),
            "type": "group",
            "is_organization": False,
            "approval_status": "approved",
            "state": "active",
            "created": timestamp(created),
            "image_url": "",
            "num_followers": 0,
            "package_count": len(datasets),
        }

    def generated(self, dataset: Dataset, fmt: opendata.FileFormat) -> opendata.OpenFile | None:
        """The file if it has been generated for the registry as it is now."""
        return self.files.get((dataset.view.name, fmt.code)) if dataset.view else None

    @staticmethod
    def download_path(dataset: Dataset, fmt: opendata.FileFormat) -> str:
        return reverse(
            "opendata:download",
            kwargs={
                "name": dataset.name,
                "resource_id": dataset.resource_id(fmt),
                "filename": dataset.filename(fmt),
            },
        )

    def resource_dict(
        self, dataset: Dataset, fmt: opendata.FileFormat, position: int
    ) -> dict[str, Any]:
        r = dataset.resource
        generated = self.generated(dataset, fmt)
        download = self.download_path(dataset, fmt)
        return {
            "id": dataset.resource_id(fmt),
            "package_id": dataset.id,
            "name": f"{r.title}（{fmt.label}）",
            "description": r.description,
            "format": fmt.label,
            "mimetype": fmt.mimetype,
            "mimetype_inner": None,
            "url": self.site_url + download,
            "url_type": None,
            "size": generated.size if generated else None,
            "hash": "",
            "last_modified": timestamp(generated.generated_at) if generated else None,
            "created": timestamp(r.published_at or r.created_at),
            "metadata_modified": timestamp(r.updated_at),
            "position": position,
            "state": "active",
            "resource_type": None,
            "cache_url": None,
            "cache_last_updated": None,
            "datastore_active": False,
        }

    def package_dict(self, dataset: Dataset) -> dict[str, Any]:
        r = dataset.resource
        licence = LICENSES.get(r.license_id)
        frequency = UpdateFrequency(r.update_frequency).label if r.update_frequency else ""
        extras = {
            "owner": r.owner.name,
            "owner_code": r.owner.code,
            "legal_basis": r.legal_basis,
            "update_frequency": r.update_frequency,
            "update_frequency_label": str(frequency),
            "published_at": timestamp(r.published_at) or "",
            "small_cell_min": str(SMALL_CELL_MIN),
        }
        tags = [
            {
                "id": stable_id("tag", t),
                "name": t,
                "display_name": t,
                "state": "active",
                "vocabulary_id": None,
            }
            for t in r.tags
        ]
        resources = [self.resource_dict(dataset, f, i) for i, f in enumerate(dataset.formats)]
        return {
            "id": dataset.id,
            "name": dataset.name,
            "title": r.title,
            "notes": r.description,
            "url": f"{self.site_url}{reverse('opendata:index')}#{dataset.name}",
            "type": "dataset",
            "state": "active",
            "private": False,
            "version": None,
            "author": None,
            "author_email": None,
            "maintainer": r.owner.name,
            "maintainer_email": None,
            "creator_user_id": None,
            "license_id": r.license_id,
            "license_title": licence.title if licence else r.license_id,
            "license_url": licence.url if licence else "",
            "isopen": bool(licence and licence.is_open),
            "metadata_created": timestamp(r.created_at),
            "metadata_modified": timestamp(r.updated_at),
            "owner_org": stable_id("organization", r.owner.code),
            "organization": self.organization_dict(r.owner),
            "groups": [self.group_dict(r.theme)] if r.theme else [],
            "tags": tags,
            "num_tags": len(tags),
            "resources": resources,
            "num_resources": len(resources),
            "extras": [{"key": k, "value": v} for k, v in extras.items()],
            "relationships_as_object": [],
            "relationships_as_subject": [],
        }
