"""The exchange (一网): the resource catalogue, client systems, grants, the access log, objections
and cross-checks.

Rows are written only by exchange.services; the access log only by services.log, which chains
each entry to the one before it.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cityhall.core.models import AuditEntry, TimeStampedModel
from cityhall.exchange.vocab import (
    ClientStatus,
    CrossCheckRule,
    FindingStatus,
    GrantStatus,
    KeyKind,
    ObjectionStatus,
    Purpose,
    ResourceStatus,
    RunStatus,
    Sensitivity,
    SharingType,
    UpdateFrequency,
)
from cityhall.identity.models import OrgUnit


class DataResource(TimeStampedModel):
    """政务信息资源: one registry view or department dataset in the catalogue."""

    code = models.SlugField(_("资源代码"), max_length=64, unique=True)
    title = models.CharField(_("资源名称"), max_length=120)
    description = models.TextField(_("资源摘要"))
    owner = models.ForeignKey(
        OrgUnit, verbose_name=_("提供部门"), on_delete=models.PROTECT, related_name="+"
    )
    # Which view of the registry serves the rows (exchange.views lists them).
    view = models.CharField(_("数据视图"), max_length=64)
    key_kind = models.CharField(_("查询方式"), max_length=16, choices=KeyKind.choices)
    update_frequency = models.CharField(
        _("更新周期"), max_length=12, choices=UpdateFrequency.choices
    )
    sharing_type = models.CharField(_("共享类型"), max_length=16, choices=SharingType.choices)
    sharing_conditions = models.CharField(_("共享条件"), max_length=300, blank=True)
    legal_basis = models.CharField(_("法律依据"), max_length=300)
    is_open = models.BooleanField(
        _("向社会开放"), default=False, help_text=_("开放数据（CKAN 接口）只含统计汇总资源。")
    )
    theme = models.CharField(_("主题分类"), max_length=32, blank=True)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    license_id = models.CharField(_("许可协议"), max_length=32, default="cc-by-4.0")
    status = models.CharField(
        _("状态"), max_length=12, choices=ResourceStatus.choices, default=ResourceStatus.DRAFT
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("数据资源")
        verbose_name_plural = _("数据资源")
        ordering = ["code"]
        constraints = [
            # Open data is aggregate and shared without conditions, never a per-person view.
            models.CheckConstraint(
                condition=Q(is_open=False) | Q(key_kind="aggregate", sharing_type="unconditional"),
                name="resource_open_is_aggregate",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ResourceField(models.Model):
    resource = models.ForeignKey(DataResource, on_delete=models.CASCADE, related_name="fields")
    name = models.SlugField(_("字段名"), max_length=48)
    label = models.CharField(_("中文名称"), max_length=64)
    sensitivity = models.CharField(_("敏感级别"), max_length=12, choices=Sensitivity.choices)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("资源字段")
        verbose_name_plural = _("资源字段")
        ordering = ["resource", "position"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "name"], name="resource_field_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resource.code}.{self.name}"


class ClientSystem(TimeStampedModel):
    """A department's information system that calls the gateway (an OAuth 2.0 client)."""

    client_id = models.SlugField(_("客户端标识"), max_length=64, unique=True)
    name = models.CharField(_("系统名称"), max_length=120)
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("所属部门"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ClientStatus.choices, default=ClientStatus.ACTIVE
    )
    rate_limit_per_minute = models.PositiveIntegerField(_("每分钟查询上限"), default=6000)
    # Investigative bodies may hide a query from the citizen until a set date (Data Tracker).
    may_restrict = models.BooleanField(_("可设置限制查看"), default=False)
    # For private_key_jwt client authentication (RFC 7523); PEM of an Ed25519/EC/RSA key.
    public_key_pem = models.TextField(_("客户端公钥"), blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")
        ordering = ["client_id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class ClientSecret(models.Model):
    """A client secret, kept only as a hash; two may be valid at once while a client rotates."""

    client = models.ForeignKey(ClientSystem, on_delete=models.CASCADE, related_name="secrets")
    # The first characters of the secret, shown to tell secrets apart (not enough to guess it).
    hint = models.CharField(_("密钥前缀"), max_length=12)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"))
    expires_at = models.DateTimeField(_("失效时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("客户端密钥")
        verbose_name_plural = _("客户端密钥")

    def __str__(self) -> str:
        return f"{self.client.client_id}:{self.hint}…"


class UsedAssertion(models.Model):
    """A client assertion (private_key_jwt) already spent: a second use is a replay."""

    jti = models.CharField(max_length=128)
    client = models.ForeignKey(ClientSystem, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "jti"], name="assertion_used_once")
        ]

    def __str__(self) -> str:
        return self.jti


class AccessGrant(TimeStampedModel):
    """共享申请: a department's right to read chosen fields of a resource for one purpose."""

    number = models.CharField(_("申请编号"), max_length=24, unique=True)
    resource = models.ForeignKey(
        DataResource, verbose_name=_("数据资源"), on_delete=models.PROTECT, related_name="grants"
    )
    requester = models.ForeignKey(
        OrgUnit, verbose_name=_("申请部门"), on_delete=models.PROTECT, related_name="+"
    )
    # Empty: every system of the requesting department.
    client = models.ForeignKey(
        ClientSystem,
        verbose_name=_("限定系统"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grants",
    )
    fields = models.JSONField(_("申请字段"), default=list)
    purpose = models.CharField(_("用途"), max_length=32, choices=Purpose.choices)
    legal_basis = models.CharField(_("法律依据"), max_length=300)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("截止日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=GrantStatus.choices, default=GrantStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_reason = models.CharField(_("审批意见"), max_length=300, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("共享授权")
        verbose_name_plural = _("共享授权")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requester", "resource", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="grant_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.number


class AccessLogEntry(models.Model):
    """One read of one person's or company's data through the exchange (Data Tracker record).

    `hash` chains each entry to the one before: SHA-256 over the canonical entry and `prev_hash`.
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"))
    request_id = models.CharField(_("请求编号"), max_length=36)
    client_code = models.CharField(_("接入系统"), max_length=64)
    department_code = models.CharField(_("部门"), max_length=32)
    staff_user = models.CharField(_("经办人员"), max_length=64, blank=True)
    resource_code = models.CharField(_("数据资源"), max_length=64)
    fields = models.JSONField(_("字段"), default=list)
    subject_kind = models.CharField(_("对象类型"), max_length=16, choices=KeyKind.choices)
    # For a person the blind index of the document (the same index identity keeps for the
    # citizen's account); for a company its USCC.
    subject_key = models.CharField(_("对象"), max_length=64)
    subject_label = models.CharField(_("对象（脱敏）"), max_length=40)
    found = models.BooleanField(_("查得"))
    purpose = models.CharField(_("用途"), max_length=32, choices=Purpose.choices)
    case_ref = models.CharField(_("办理事项编号"), max_length=64)
    restricted_until = models.DateField(_("限制查看至"), null=True, blank=True)
    response_hash = models.CharField(_("响应摘要"), max_length=64)
    prev_hash = models.CharField(max_length=64)
    # Not indexed: nothing looks an entry up by its hash, and every index costs each logged
    # read (the chain, not uniqueness, is what makes an altered entry stand out).
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("数据访问记录")
        verbose_name_plural = _("数据访问记录")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["subject_key", "seq"], name="accesslog_subject"),
            models.Index(fields=["resource_code", "seq"], name="accesslog_resource"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.resource_code}"


class AccessLogHead(models.Model):
    """Singleton tip of the access-log chain; locking it serialises appends across processes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="accesslog_head_singleton")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class AccessLogCheckpoint(models.Model):
    """A signed statement of the chain's tip (seq, hash) at a time: after it, no entry up to seq
    can change without the signature failing or the chain disagreeing."""

    seq = models.PositiveBigIntegerField(_("截至序号"), unique=True)
    hash = models.CharField(_("链头哈希"), max_length=64)
    at = models.DateTimeField(_("签署时间"))
    key_id = models.CharField(_("签名密钥"), max_length=32)
    signature = models.CharField(_("签名"), max_length=128)

    class Meta:
        verbose_name = _("访问日志检查点")
        verbose_name_plural = _("访问日志检查点")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"


class Objection(TimeStampedModel):
    """A citizen's objection to a read of their data, answered by the data steward of the
    department that read it through the exchange (or whose staff read it in the product)."""

    number = models.CharField(_("异议编号"), max_length=24, unique=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Exactly one of: a read through the exchange gateway, a staff read inside the product.
    entry = models.ForeignKey(
        AccessLogEntry,
        verbose_name=_("访问记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    audit_entry = models.ForeignKey(
        AuditEntry,
        verbose_name=_("审计记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("答复部门"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("异议内容"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("数据访问异议")
        verbose_name_plural = _("数据访问异议")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entry__isnull=False, audit_entry__isnull=True)
                | Q(entry__isnull=True, audit_entry__isnull=False),
                name="objection_one_read",
            ),
            models.UniqueConstraint(
                fields=["account", "entry"],
                condition=Q(status="open", entry__isnull=False),
                name="objection_one_open_per_entry",
            ),
            models.UniqueConstraint(
                fields=["account", "audit_entry"],
                condition=Q(status="open", audit_entry__isnull=False),
                name="objection_one_open_per_audit_entry",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CrossCheckRun(models.Model):
    """One run of one cross-check (比对) over the whole registry."""

    rule = models.CharField(_("比对规则"), max_length=40, choices=CrossCheckRule.choices)
    client = models.ForeignKey(
        ClientSystem, verbose_name=_("比对系统"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField(_("比对月份"))
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    findings_new = models.PositiveIntegerField(_("新线索"), default=0)
    findings_total = models.PositiveIntegerField(_("线索总数"), default=0)
    error = models.CharField(_("错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("比对任务")
        verbose_name_plural = _("比对任务")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.rule} {self.period:%Y-%m}"


class Finding(TimeStampedModel):
    """A case for the responsible department: what the cross-check found, with the evidence.

    Not a penalty: the department checks it and records what it found.
    """

    number = models.CharField(_("线索编号"), max_length=24, unique=True)
    rule = models.CharField(_("比对规则"), max_length=40, choices=CrossCheckRule.choices)
    run = models.ForeignKey(CrossCheckRun, on_delete=models.PROTECT, related_name="findings")
    period = models.DateField(_("比对月份"))
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("责任部门"), on_delete=models.PROTECT, related_name="+"
    )
    subject_kind = models.CharField(_("对象类型"), max_length=16, choices=KeyKind.choices)
    subject_key = models.CharField(_("对象"), max_length=64)
    subject_label = models.CharField(_("对象名称"), max_length=200)
    evidence = models.JSONField(_("比对依据"), default=dict)
    status = models.CharField(
        _("状态"), max_length=12, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    note = models.CharField(_("核查说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("比对线索")
        verbose_name_plural = _("比对线索")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["department", "status"])]
        constraints = [
            # A rerun of the same month finds the same case again; it is not a new one.
            models.UniqueConstraint(
                fields=["rule", "period", "subject_key"], name="finding_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return self.number
