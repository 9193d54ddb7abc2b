"""Writes to the catalogue: new versions of an item and publishing them with a checked process."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.catalog.models import (
    Department,
    ItemVersion,
    Material,
    ServiceItem,
    VersionStatus,
)
from cityhall.catalog.workflow import ProcessDefinition, ProcessError, process_validate
from cityhall.core.audit import AuditEvent, audit_record
from cityhall.core.errors import DomainError
from cityhall.identity.models import Account


def process_check(xml: str) -> ProcessDefinition:
    """Validate a process and that every lane is a department the catalogue can route to."""
    definition = process_validate(xml)
    known = set(Department.objects.filter(name__in=definition.lanes).values_list("name", flat=True))
    unknown = [lane for lane in definition.lanes if lane not in known]
    if unknown:
        raise ProcessError(
            _("流程有无法对应到部门的泳道"),
            problems=[_("泳道“%(lane)s”不是已登记的审批部门") % {"lane": n} for n in unknown],
        )
    return definition


@transaction.atomic
def item_version_draft(*, item: ServiceItem, by: Account) -> ItemVersion:
    """A new draft copied from the item's latest version; running applications keep theirs."""
    ServiceItem.objects.select_for_update().get(pk=item.pk)
    latest = item.versions.order_by("-number").first()
    if latest is None:
        raise DomainError(_("事项没有任何版本可供复制"))
    if latest.status == VersionStatus.DRAFT:
        return latest
    reviewers = list(latest.review_departments.all())
    materials = list(latest.materials.all())
    draft = ItemVersion.objects.get(pk=latest.pk)
    draft.pk = None
    draft.number = latest.number + 1
    draft.status = VersionStatus.DRAFT
    draft.published_at = None
    draft.published_by = None
    draft.save(force_insert=True)
    draft.review_departments.set(reviewers)
    for material in materials:
        material.pk = None
        material.version = draft
    Material.objects.bulk_create(materials)
    return draft


@transaction.atomic
def item_version_publish(*, version: ItemVersion, by: Account) -> ItemVersion:
    """Publish a draft: its process must validate; the previous version is superseded."""
    version = ItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise DomainError(_("只有草稿版本可以发布"), code="not_draft")
    definition = process_check(version.bpmn_xml)
    if not definition.user_tasks:
        raise ProcessError(_("流程没有任何用户任务"), problems=[_("流程至少需要一个办理环节")])
    if not version.materials.exists():
        raise DomainError(_("事项至少需要一项申请材料"), code="no_materials")
    ItemVersion.objects.filter(item=version.item, status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.SUPERSEDED
    )
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    audit_record(
        event=AuditEvent.ITEM_VERSION_PUBLISHED,
        actor=by,
        subject_type="catalog.ItemVersion",
        subject_id=version.pk,
        detail={
            "item": version.item.code,
            "number": version.number,
            "process": definition.process_id,
            "xml_sha256": definition.xml_sha256,
        },
    )
    return version
