"""The resource catalogue: loading the city's resources, publishing and withdrawing them."""

import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.exchange.models import DataResource, ResourceField
from cityhall.exchange.opendata import OPEN_VIEWS
from cityhall.exchange.services.common import steward_unit
from cityhall.exchange.sources import VIEWS
from cityhall.exchange.vocab import KeyKind, ResourceStatus, Sensitivity
from cityhall.identity.models import Account, OrgUnit

CATALOGUE_PATH = Path(__file__).resolve().parent.parent / "data" / "resources.json"


def catalogue_load(*, city_code: str, path: Path = CATALOGUE_PATH) -> int:
    """Create or update the catalogue's resources from the data file (owners are the city-level
    departments `<city>-<suffix>`); resources already there keep their status."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    loaded = 0
    with transaction.atomic():
        for item in spec["resources"]:
            owner = OrgUnit.objects.get(code=f"{city_code}-{item['owner']}")
            resource, created = DataResource.objects.update_or_create(
                code=item["code"],
                defaults={
                    key: item.get(key, "")
                    for key in (
                        "title",
                        "description",
                        "view",
                        "key_kind",
                        "update_frequency",
                        "sharing_type",
                        "sharing_conditions",
                        "legal_basis",
                        "theme",
                    )
                }
                | {
                    "owner": owner,
                    "tags": item.get("tags", []),
                    "is_open": item.get("open", False),
                    "license_id": item.get("license_id", "cc-by-4.0"),
                },
            )
            if created:
                resource.status = ResourceStatus.PUBLISHED
                resource.published_at = timezone.now()
                resource.save(update_fields=["status", "published_at"])
            resource.fields.all().delete()
            ResourceField.objects.bulk_create(
                ResourceField(
                    resource=resource,
                    name=name,
                    label=label,
                    sensitivity=sensitivity,
                    position=position,
                )
                for position, (name, label, sensitivity) in enumerate(item.get("fields", []))
            )
            loaded += 1
    return loaded


def _own_resource(actor: Account, code: str) -> DataResource:
    unit = steward_unit(actor)
    resource = DataResource.objects.filter(code=code, owner=unit).first()
    if resource is None:
        raise NotFoundError(_("未找到本部门的该数据资源"))
    return resource


def resource_publish(*, actor: Account, code: str) -> DataResource:
    """The owner's steward publishes a resource: it appears in the catalogue and can be granted."""
    resource = _own_resource(actor, code)
    views = OPEN_VIEWS if resource.key_kind == KeyKind.AGGREGATE else VIEWS
    if resource.view not in views:
        raise DomainError(_("该资源没有可用的数据视图"), code="no_view")
    if not resource.fields.exists():
        raise DomainError(_("发布前须列明资源字段"), code="no_fields")
    if resource.is_open and resource.fields.exclude(sensitivity=Sensitivity.PUBLIC).exists():
        raise DomainError(_("开放数据的字段必须全部为公开级"), code="open_not_public")
    resource.status = ResourceStatus.PUBLISHED
    resource.published_at = timezone.now()
    resource.save(update_fields=["status", "published_at", "updated_at"])
    return resource


def resource_withdraw(*, actor: Account, code: str) -> DataResource:
    """Withdrawn resources answer no query; their grants stay on record."""
    resource = _own_resource(actor, code)
    resource.status = ResourceStatus.WITHDRAWN
    resource.save(update_fields=["status", "updated_at"])
    return resource
