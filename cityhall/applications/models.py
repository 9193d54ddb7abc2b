"""Applications (办件): intake, the running process, department tasks, results, supervision,
ratings.

State changes of an application go through `transitions.py`; rows here are written only by
`applications.services`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityhall.catalog.models import Bundle, ItemVersion, Material
from cityhall.core.models import TimeStampedModel
from cityhall.geo.models import Division
from cityhall.identity.models import OrgUnit


class Channel(models.TextChoices):
    ONLINE = "online", _("网上申请")
    WINDOW = "window", _("窗口受理")
    # 自助终端: the holder signed in by card + PIN; self-service like online, counted with it.
    KIOSK = "kiosk", _("自助终端")


SELF_SERVICE = frozenset({Channel.ONLINE, Channel.KIOSK})


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    IN_REVIEW = "in_review", _("审查中")
    SUPPLEMENT = "supplement", _("待补正")
    APPROVED = "approved", _("已办结")
    REJECTED = "rejected", _("不予批准")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")


FINISHED = frozenset({Status.APPROVED, Status.REJECTED, Status.NOT_ACCEPTED, Status.WITHDRAWN})


class Application(TimeStampedModel):
    number = models.CharField(_("受理编号"), max_length=24, unique=True)
    bundle = models.ForeignKey(
        Bundle,
        verbose_name=_("一件事"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("申请事项"), max_length=120)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant_name = models.CharField(_("申请人姓名"), max_length=64)
    enterprise_uscc = models.CharField(_("企业统一社会信用代码"), max_length=18, blank=True)
    enterprise_name = models.CharField(_("企业名称"), max_length=200, blank=True)
    channel = models.CharField(_("申请渠道"), max_length=8, choices=Channel.choices)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理窗口人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    intake_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("受理机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Where the case is handled: decides which district/street branch each lane routes to.
    division = models.ForeignKey(
        Division, verbose_name=_("办理地"), on_delete=models.PROTECT, related_name="+"
    )
    lead_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("牵头部门"), on_delete=models.PROTECT, related_name="+"
    )
    form_data = models.JSONField(_("申请表"), default=dict)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, db_index=True)
    instant = models.BooleanField(_("即办件"), default=False)
    decided_on_spot = models.BooleanField(_("当场办结"), default=False)
    idempotency_key = models.CharField(_("幂等键"), max_length=64)
    workflow_state = models.TextField(_("流程状态"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    limit_days = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    due_date = models.DateField(_("办结期限"))
    paused_since = models.DateField(_("补正起始"), null=True, blank=True)
    paused_days = models.PositiveSmallIntegerField(_("补正暂停工作日"), default=0)
    reason = models.TextField(_("不予受理/不予批准理由"), blank=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-submitted_at"]
        # No constraint that a rejection carries a reason: a process may reject through a
        # gateway; e-supervision flags such a rejection instead of the database hiding it.
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"], name="application_idempotency"
            ),
        ]
        indexes = [models.Index(fields=["lead_unit", "status"])]

    def __str__(self) -> str:
        return self.number


class ApplicationItem(models.Model):
    """The item versions an application covers: one, or several for a bundle."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey(
        ItemVersion, verbose_name=_("事项版本"), on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["application", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["application", "version"], name="application_item")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}:{self.version_id}"


class MaterialSource(models.TextChoices):
    UPLOADED = "uploaded", _("申请人上传")
    REGISTRY = "registry", _("基础库调取")
    CERTIFICATE = "certificate", _("电子证照调取")
    WINDOW = "window", _("窗口核验原件")


class SubmittedMaterial(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("材料名称"), max_length=120)
    source = models.CharField(_("来源"), max_length=12, choices=MaterialSource.choices)
    file = models.FileField(_("文件"), upload_to="applications/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=80, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    reference = models.CharField(_("调取凭据"), max_length=80, blank=True)
    added_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["application", "id"]

    def __str__(self) -> str:
        return self.name


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待签收")
    CLAIMED = "claimed", _("办理中")
    DONE = "done", _("已办结")
    CANCELLED = "cancelled", _("已取消")


class Outcome(models.TextChoices):
    APPROVE = "approve", _("同意")
    REJECT = "reject", _("不同意")
    SUPPLEMENT = "supplement", _("要求补正")


class Task(models.Model):
    """A ready user task of the process, in the inbox of the unit its lane routes to."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="tasks")
    ref = models.CharField(_("流程任务标识"), max_length=40)
    spec_id = models.CharField(_("环节编码"), max_length=64)
    name = models.CharField(_("环节"), max_length=100)
    lane = models.CharField(_("泳道（部门）"), max_length=60)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("办理部门"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("到达时间"))
    due_date = models.DateField(_("环节期限"))
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    outcome = models.CharField(_("意见"), max_length=12, choices=Outcome.choices, blank=True)
    opinion = models.TextField(_("审查意见/理由"), blank=True)

    class Meta:
        verbose_name = _("审批任务")
        verbose_name_plural = _("审批任务")
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["unit", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["application", "ref"], name="task_ref_unique"),
            models.CheckConstraint(
                condition=~Q(outcome="reject") | ~Q(opinion=""), name="task_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"


class Event(models.Model):
    """Every state change of an application: who, when, from what to what, and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"


class Certificate(models.Model):
    """电子证照: an item's result, a PDF whose code can be checked on the public verify page."""

    number = models.CharField(_("证照编号"), max_length=32, unique=True)
    verification_code = models.CharField(_("核验码"), max_length=20, unique=True)
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="certificates"
    )
    version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("持证人"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    holder_name = models.CharField(_("持证人姓名"), max_length=200)
    title = models.CharField(_("证照名称"), max_length=60)
    issuer = models.CharField(_("发证机关"), max_length=100)
    issued_at = models.DateTimeField(_("签发时间"))
    pdf = models.FileField(_("证照文件"), upload_to="certificates/%Y/%m/")
    revoked_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.title} {self.number}"


class CardKind(models.TextChoices):
    YELLOW = "yellow", _("黄牌（临近时限）")
    RED = "red", _("红牌（超期）")
    NOT_ACCEPTED = "late_acceptance", _("超过1个工作日未受理")
    NO_REASON = "no_reason", _("不予批准未说明理由")


class SupervisionCard(models.Model):
    """电子监察: a warning raised on an application or one of its tasks."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="cards")
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.CASCADE, related_name="cards"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=CardKind.choices)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(_("亮牌时间"))
    due_date = models.DateField(_("期限"))
    resolved_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("电子监察亮牌")
        verbose_name_plural = _("电子监察亮牌")
        ordering = ["-raised_at"]
        constraints = [
            # One card of a kind per task (or per application for application-level cards).
            models.UniqueConstraint(
                fields=["application", "task", "kind"], name="card_once_per_task"
            ),
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=Q(task__isnull=True),
                name="card_once_per_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.application_id}"


class RatingLevel(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASIC = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


class Rating(models.Model):
    """好差评: one per application (and one per window intake), levels 1–5."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="ratings")
    channel = models.CharField(_("评价渠道"), max_length=8, choices=Channel.choices)
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("评价等级"),
        choices=RatingLevel.choices,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    dimensions = models.JSONField(_("分项评价"), default=dict)
    comment = models.TextField(_("意见建议"), blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("被评价部门"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("好差评")
        verbose_name_plural = _("好差评")
        constraints = [
            models.UniqueConstraint(fields=["application", "channel"], name="rating_once"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.application_id}"


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    VISITED = "visited", _("已回访")
    CLOSED = "closed", _("已办结")


class Rectification(models.Model):
    """差评整改: opened by a bad rating, closed after a return visit and a follow-up rating."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("整改部门"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("立案时间"))
    due_date = models.DateField(_("整改期限"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    measures = models.TextField(_("整改措施"), blank=True)
    visit_note = models.TextField(_("回访记录"), blank=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    follow_up_level = models.PositiveSmallIntegerField(
        _("回访后评价"), choices=RatingLevel.choices, null=True, blank=True
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due_date"]

    def __str__(self) -> str:
        return f"{self.rating_id} {self.get_status_display()}"


class NumberSeries(models.Model):
    """Gap-free daily counters for acceptance and certificate numbers (row-locked on use)."""

    key = models.CharField(max_length=32, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.last}"
