"""Reads of the service catalogue: the public guide, current versions, routing to units."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from cityhall.catalog.models import (
    Bundle,
    Department,
    DepartmentLevel,
    ItemVersion,
    Material,
    VersionStatus,
)
from cityhall.core.errors import NotFoundError
from cityhall.identity.models import OrgUnit


def _published() -> QuerySet[ItemVersion]:
    return ItemVersion.objects.filter(status=VersionStatus.PUBLISHED, item__is_active=True)


def item_search(*, text: str = "", area: str = "", venue: str = "") -> QuerySet[ItemVersion]:
    """Published items matching a name, code, department or result, for the service guide."""
    rows = _published().select_related("item", "department")
    if text:
        rows = rows.filter(
            Q(name__icontains=text)
            | Q(item__code__iexact=text)
            | Q(department__name__icontains=text)
            | Q(result_name__icontains=text)
        )
    if area:
        rows = rows.filter(item__area=area)
    if venue:
        # JSON containment is not portable to SQLite; the list is short and stored as text.
        rows = rows.filter(venues__icontains=f'"{venue}"')
    return rows.order_by("item__code")


def item_areas() -> list[str]:
    return sorted(set(_published().values_list("item__area", flat=True)))


def item_version_current(*, code: str) -> ItemVersion:
    """The published version of an item, with what the guide and intake need."""
    version = (
        _published()
        .select_related("item", "department")
        .prefetch_related("review_departments", Prefetch("materials", Material.objects.all()))
        .filter(item__code=code)
        .first()
    )
    if version is None:
        raise NotFoundError(_("没有这个服务事项：%(code)s") % {"code": code})
    return version


def item_version_get(*, code: str, number: int) -> ItemVersion:
    version = (
        ItemVersion.objects.select_related("item", "department")
        .filter(item__code=code, number=number)
        .first()
    )
    if version is None:
        raise NotFoundError(
            _("事项 %(code)s 没有第 %(number)s 版") % {"code": code, "number": number}
        )
    return version


def bundles_active() -> QuerySet[Bundle]:
    return Bundle.objects.filter(is_active=True).prefetch_related("members__item")


def bundle_get(*, code: str) -> Bundle:
    bundle = bundles_active().select_related("department").filter(code=code).first()
    if bundle is None:
        raise NotFoundError(_("没有这个“一件事”：%(code)s") % {"code": code})
    return bundle


def bundle_versions(*, bundle: Bundle) -> list[ItemVersion]:
    """The current versions of a bundle's items, in the bundle's order."""
    codes = [m.item.code for m in bundle.members.all()]
    versions = {
        v.item.code: v
        for v in _published()
        .select_related("item", "department")
        .prefetch_related("materials")
        .filter(item__code__in=codes)
    }
    return [versions[c] for c in codes if c in versions]


def department_by_name(name: str) -> Department | None:
    return Department.objects.filter(name=name).first()


def unit_code_for(*, department: Department, division_code: str) -> str:
    """`<division at the department's level>-<suffix>`: 区民政局 in 440105001 → 440105-MZ."""
    if department.level == DepartmentLevel.CITY:
        prefix = division_code[:4] + "00"
    elif department.level == DepartmentLevel.DISTRICT:
        prefix = division_code[:6]
    else:
        prefix = division_code[:9]
    return f"{prefix}-{department.unit_suffix}"


def unit_for(*, department: Department, division_code: str) -> OrgUnit:
    code = unit_code_for(department=department, division_code=division_code)
    unit = OrgUnit.objects.filter(code=code, is_active=True).first()
    if unit is None:
        raise NotFoundError(
            _("%(department)s在该地区没有对应的办理机构（%(code)s）")
            % {"department": department.name, "code": code}
        )
    return unit
