"""The city-service hotline (12345 / 12319): categories, routing, tickets and their history.

State changes of a ticket go through `transitions.py`; rows here are written only by
`hotline.services`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityhall.core.fields import EncryptedTextField
from cityhall.core.models import TimeStampedModel
from cityhall.geo.models import Division, Grid
from cityhall.identity.models import OrgUnit


class HandlerLevel(models.TextChoices):
    STREET = "street", _("街道")
    DISTRICT_DEPT = "district_dept", _("区职能部门")
    CITY_DEPT = "city_dept", _("市职能部门")
    UTILITY = "utility", _("公共服务企业")
    HOTLINE = "hotline", _("热线直办")


class Category(TimeStampedModel):
    """A request category with its default handler, time limit and urgency."""

    code = models.CharField(_("分类编码"), max_length=8, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    group = models.CharField(_("大类"), max_length=20)
    handler_level = models.CharField(_("默认承办层级"), max_length=16, choices=HandlerLevel.choices)
    department = models.CharField(_("默认承办单位"), max_length=40)
    # The OrgUnit code suffix of the default handler ("CG" → 440105-CG in 海珠区; "JD" → the
    # street office of the ticket's street; "ZLS" → 440100-ZLS).
    unit_suffix = models.CharField(_("承办单位代码后缀"), max_length=8)
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    urgent = models.BooleanField(_("紧急类"), default=False)
    # Urgent categories run on the clock, not the working calendar.
    urgent_hours = models.PositiveSmallIntegerField(_("紧急时限（小时）"), null=True, blank=True)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True)
    source = models.CharField(_("数据来源"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("热线分类")
        verbose_name_plural = _("热线分类")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RoutingRule(TimeStampedModel):
    """Category × place → handling unit; the most specific place wins (street, district, city)."""

    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.CASCADE, related_name="routes"
    )
    # Empty = the whole city; otherwise a district or street.
    division = models.ForeignKey(
        Division,
        verbose_name=_("适用区域"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "division"], name="routingrule_unique_place"
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(division__isnull=True),
                name="routingrule_unique_citywide",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.unit}"


class InspectorGrid(models.Model):
    """A grid inspector's responsibility grid (one inspector may walk several)."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("网格员"),
        on_delete=models.CASCADE,
        related_name="inspector_grids",
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="inspectors"
    )

    class Meta:
        verbose_name = _("网格员责任网格")
        verbose_name_plural = _("网格员责任网格")
        constraints = [
            models.UniqueConstraint(fields=["inspector", "grid"], name="inspectorgrid_unique")
        ]

    def __str__(self) -> str:
        return f"{self.inspector} · {self.grid}"


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("投诉")
    HELP = "help", _("求助")
    CONSULTATION = "consultation", _("咨询")
    SUGGESTION = "suggestion", _("建议")
    REPORT = "report", _("举报")
    PRAISE = "praise", _("表扬")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    WEB = "web", _("网站/移动端")
    PATROL = "patrol", _("网格巡查")
    OPEN311 = "open311", _("Open311 接口")
    BOARD = "board", _("社区微博")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    DISPATCHED = "dispatched", _("已派单")
    ACCEPTED = "accepted", _("已签收")
    IN_PROGRESS = "in_progress", _("办理中")
    RESOLVED = "resolved", _("已办结")
    CALLED_BACK = "called_back", _("已回访")
    CLOSED = "closed", _("已归档")
    RETURNED = "returned", _("已退单")
    REOPENED = "reopened", _("重办")
    MERGED = "merged", _("已合并")


# Work still to do by somebody: deadlines, warnings and duplicate matching look at these.
OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.IN_PROGRESS,
        Status.RETURNED,
        Status.REOPENED,
    }
)
# Open311 reports only open/closed; a resolved ticket is closed to the reporter's eye.
OPEN311_OPEN = OPEN_STATUSES


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Ticket(models.Model):
    """One request to the hotline (工单), from whichever channel it arrived."""

    tracking_number = models.CharField(
        _("工单编号"), max_length=24, unique=True, null=True, blank=True
    )
    kind = models.CharField(_("诉求类型"), max_length=16, choices=Kind.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="tickets"
    )
    # What the classifier proposed at intake; with `category` (final, after any re-dispatch)
    # it is the training signal and the measure of the classifier in use.
    suggested_category = models.CharField(_("系统建议分类"), max_length=8, blank=True)
    description = models.TextField(_("诉求内容"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    grid_code = models.CharField(_("网格"), max_length=16, blank=True)
    community = models.ForeignKey(
        Division,
        verbose_name=_("社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    street = models.ForeignKey(
        Division,
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    district = models.ForeignKey(
        Division,
        verbose_name=_("区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反映人账户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_tickets",
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    reporter_name = EncryptedTextField(_("反映人"), blank=True)
    reporter_phone = EncryptedTextField(_("联系电话"), blank=True)
    reporter_phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    # Who holds the ticket now: a hotline centre (to dispatch) or a handling unit (to handle).
    holder = models.ForeignKey(
        OrgUnit, verbose_name=_("当前所在单位"), on_delete=models.PROTECT, related_name="+"
    )
    # The centre that sent it to the holder: returns and extension requests go back there.
    dispatched_by_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("派单单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The routing table's answer at intake (or after re-routing): where the ticket should end.
    routed_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("建议承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("网格员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspector_tickets",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("受理时间"))
    deadline = models.DateTimeField(_("办理时限"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    under_supervision = models.BooleanField(_("督办中"), default=False)
    master = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # Open311 clients that asked for a token get this back and exchange it at tokens/{token}.
    open311_token = models.CharField(max_length=32, unique=True, null=True, blank=True)
    # The SMS survey link (回访) and the reporter's tracking page carry this secret.
    survey_token = models.CharField(max_length=32, unique=True, null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["holder", "status"], name="ticket_holder_status"),
            models.Index(fields=["category", "received_at"], name="ticket_category_received"),
            models.Index(fields=["received_at"], name="ticket_received"),
            models.Index(fields=["grid_code", "received_at"], name="ticket_grid_received"),
            models.Index(fields=["status", "deadline"], name="ticket_status_deadline"),
            models.Index(fields=["updated_at"], name="ticket_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(anonymous=False) | Q(reporter__isnull=True),
                name="ticket_anonymous_has_no_account",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", master__isnull=False)
                | (~Q(status="merged") & Q(master__isnull=True)),
                name="ticket_merged_has_master",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEvent(models.Model):
    """One step in a ticket's life: who did what, when, why, and where it went."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("相关单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("动作"), max_length=24)
    from_status = models.CharField(max_length=12, choices=Status.choices)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    note = models.TextField(_("说明"), blank=True)
    # Shown on the public tracking page and the Open311 update feed (no personal data).
    public = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("工单流转记录")
        verbose_name_plural = _("工单流转记录")
        ordering = ["ticket", "at", "id"]
        indexes = [models.Index(fields=["at"], name="ticketevent_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class PhotoPhase(models.TextChoices):
    REPORT = "report", _("反映时")
    BEFORE = "before", _("处置前")
    AFTER = "after", _("处置后")


class TicketPhoto(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    phase = models.CharField(_("阶段"), max_length=8, choices=PhotoPhase.choices)
    file = models.FileField(_("照片"), upload_to="hotline/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("工单照片")
        verbose_name_plural = _("工单照片")
        ordering = ["ticket", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}/{self.phase}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不批准")


class ExtensionRequest(models.Model):
    """A handling unit's request for more time (延期), decided by the dispatching centre."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    days = models.PositiveSmallIntegerField(_("延长工作日"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(
        _("状态"), max_length=8, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    old_deadline = models.DateTimeField()
    new_deadline = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="pending"),
                name="extension_one_pending_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} +{self.days}"


class EscalationKind(models.TextChoices):
    REMINDER = "reminder", _("催办")
    SUPERVISION = "supervision", _("督办")


class Escalation(models.Model):
    """A reminder before the deadline or a supervision notice after it (or after a second
    dissatisfied callback); one per ticket, kind and deadline, however often the sweep runs."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    kind = models.CharField(_("类型"), max_length=12, choices=EscalationKind.choices)
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField(_("对应时限"))
    raised_at = models.DateTimeField(_("发出时间"))
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("催办督办")
        verbose_name_plural = _("催办督办")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind", "deadline"], name="escalation_once_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class Callback(models.Model):
    """A callback (回访) after resolution: by an operator's call or the reporter's SMS survey."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callbacks")
    satisfaction = models.CharField(_("满意度"), max_length=16, choices=Satisfaction.choices)
    reason = models.TextField(_("原因"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("方式"), max_length=8, choices=Channel.choices)
    at = models.DateTimeField(_("回访时间"))

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["ticket", "at"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.satisfaction}"


class InboundSms(models.Model):
    """An SMS received on the hotline number; the provider's message id makes retries harmless."""

    provider_id = models.CharField(max_length=64, unique=True)
    phone = EncryptedTextField(_("手机号码"))
    text = models.TextField(_("内容"))
    received_at = models.DateTimeField(_("接收时间"))
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("上行短信")
        verbose_name_plural = _("上行短信")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return self.provider_id


class Open311Client(TimeStampedModel):
    """An outside system allowed to POST service requests; its key is stored only as a hash."""

    name = models.CharField(_("名称"), max_length=100)
    key_prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 接入方")
        verbose_name_plural = _("Open311 接入方")

    def __str__(self) -> str:
        return self.name


class ClassifierModel(models.Model):
    """A trained category/type classifier; the newest active one answers suggestions."""

    created_at = models.DateTimeField(_("训练时间"), auto_now_add=True)
    samples = models.PositiveIntegerField(_("训练样本数"))
    accuracy = models.FloatField(_("留出集准确率"))
    top3_accuracy = models.FloatField(_("留出集前三命中率"))
    baseline_accuracy = models.FloatField(_("关键词基线准确率"))
    type_accuracy = models.FloatField(_("类型准确率"))
    # numpy .npz archive (allow_pickle=False): vocabulary, idf, weights. Never a pickle, so
    # loading a model from the database cannot run code.
    payload = models.BinaryField()
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.accuracy:.1%})"
