"""Service items (政务服务事项) with their catalogue elements, materials, processes and bundles.

An item's elements live on `ItemVersion`: editing makes a new draft version, publishing it
supersedes the previous one, and applications point at the version they were submitted under,
so a running application keeps its rules and its process.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityhall.core.models import TimeStampedModel


class DepartmentLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("区级")
    STREET = "street", _("街道级")


class Department(models.Model):
    """A department as processes name it (a BPMN lane), and how it maps onto organisation units.

    "区民政局" is not one unit but the civil-affairs branch of whichever district the application
    is handled in: the unit code is `<division code>-<unit_suffix>` at the department's level.
    """

    name = models.CharField(_("部门名称"), max_length=60, unique=True)
    unit_suffix = models.CharField(_("机构编码后缀"), max_length=8)
    level = models.CharField(_("层级"), max_length=12, choices=DepartmentLevel.choices)

    class Meta:
        verbose_name = _("审批部门")
        verbose_name_plural = _("审批部门")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ItemKind(models.TextChoices):
    LICENCE = "行政许可", _("行政许可")
    CONFIRMATION = "行政确认", _("行政确认")
    BENEFIT = "行政给付", _("行政给付")
    LEVY = "行政征收", _("行政征收")
    FILING = "行政备案", _("行政备案")
    PUBLIC_SERVICE = "公共服务", _("公共服务")
    OTHER_POWER = "其他行政权力", _("其他行政权力")


class ApplicantType(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人")
    BOTH = "both", _("自然人和法人")


class Venue(models.TextChoices):
    ONLINE = "online", _("网上办理")
    STREET = "street", _("街道（镇）政务服务中心")
    DISTRICT = "district", _("区政务服务中心")
    CITY = "city", _("市政务服务中心")


class ResultType(models.TextChoices):
    LICENCE = "证照", _("证照")
    APPROVAL = "批准文书", _("批准文书")
    REGISTRATION = "登记凭证", _("登记凭证")
    BENEFIT = "待遇核定", _("待遇核定")
    PROOF = "证明", _("证明")
    FILING_RECEIPT = "备案回执", _("备案回执")


class ServiceItem(TimeStampedModel):
    """The stable identity of an item across its versions."""

    code = models.CharField(_("事项编码"), max_length=20, unique=True)
    area = models.CharField(_("主题分类"), max_length=20, db_index=True)
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被新版本取代")


class ItemVersion(TimeStampedModel):
    item = models.ForeignKey(
        ServiceItem, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(
        _("状态"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    name = models.CharField(_("事项名称"), max_length=80)
    kind = models.CharField(_("事项类型"), max_length=12, choices=ItemKind.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("实施部门"), on_delete=models.PROTECT, related_name="+"
    )
    applicant_type = models.CharField(
        _("服务对象"), max_length=12, choices=ApplicantType.choices, default=ApplicantType.PERSON
    )
    legal_basis = models.TextField(_("设定依据"), blank=True)
    conditions = models.TextField(_("受理条件"), blank=True)
    legal_limit_days = models.PositiveSmallIntegerField(_("法定办结时限（工作日）"))
    promised_limit_days = models.PositiveSmallIntegerField(_("承诺办结时限（工作日）"))
    instant = models.BooleanField(_("即办件"), default=False)
    venues = models.JSONField(_("办理地点"), default=list)
    online_depth = models.PositiveSmallIntegerField(
        _("网办深度"), validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    required_visits = models.PositiveSmallIntegerField(_("到现场次数"), default=0)
    fee = models.CharField(_("收费"), max_length=80, default="不收费")
    review_departments = models.ManyToManyField(
        Department, verbose_name=_("并联审批部门"), blank=True, related_name="+"
    )
    result_type = models.CharField(_("结果类型"), max_length=12, choices=ResultType.choices)
    result_name = models.CharField(_("结果名称"), max_length=60)
    form_fields = models.JSONField(_("申请表字段"), default=list, blank=True)
    bpmn_xml = models.TextField(_("办理流程（BPMN 2.0）"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ["item__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="catalog_version_number"),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(status="published"),
                name="catalog_one_published_version",
            ),
            models.CheckConstraint(
                condition=Q(promised_limit_days__lte=models.F("legal_limit_days")),
                name="catalog_promise_within_legal_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.code} {self.name} v{self.number}"

    @property
    def code(self) -> str:
        return self.item.code


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ELECTRONIC = "electronic", _("电子材料")


class Material(models.Model):
    """A material an item asks for; `fetch_source` says where the city fetches it itself."""

    version = models.ForeignKey(
        ItemVersion, verbose_name=_("事项版本"), on_delete=models.CASCADE, related_name="materials"
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("材料名称"), max_length=120)
    required = models.BooleanField(_("必交"), default=True)
    form = models.CharField(_("材料形式"), max_length=12, choices=MaterialForm.choices)
    blank_form = models.BooleanField(_("提供空白表格"), default=False)
    # "registry:<kind>" (a base-registry record) or "certificate:<item code>" (the e-certificate
    # that item issues); empty when the applicant must provide it.
    fetch_source = models.CharField(_("免提交来源"), max_length=40, blank=True)
    note = models.CharField(_("备注"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["version", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["version", "seq"], name="catalog_material_seq"),
        ]

    def __str__(self) -> str:
        return self.name


class Bundle(TimeStampedModel):
    """一件事: several items applied for with one form and one set of materials."""

    code = models.CharField(_("编码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    area = models.CharField(_("主题分类"), max_length=20)
    description = models.TextField(_("说明"), blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("牵头受理部门"), on_delete=models.PROTECT, related_name="+"
    )
    items = models.ManyToManyField(
        ServiceItem, verbose_name=_("包含事项"), through="BundleItem", related_name="bundles"
    )
    bpmn_xml = models.TextField(_("办理流程（BPMN 2.0）"))
    is_active = models.BooleanField(_("在用"), default=True)

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="members")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveSmallIntegerField(_("序号"))

    class Meta:
        ordering = ["bundle", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "item"], name="catalog_bundle_item"),
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.item_id}"
