from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for domain records: when a row was created and last changed."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One link of the append-only, hash-chained audit log."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"))
    event = models.CharField(_("事件"), max_length=64, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人标识"), max_length=150, blank=True)
    subject_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    subject_id = models.CharField(_("对象标识"), max_length=64, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event}"


class AuditChainHead(models.Model):
    """Singleton row holding the chain's tip; locking it serialises appends across processes."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_singleton")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class CalendarDayKind(models.TextChoices):
    REST = "rest", _("休息日")
    MAKEUP_WORKDAY = "makeup_workday", _("调休上班")


class CalendarDay(TimeStampedModel):
    """One day on which the statutory schedule departs from, or spells out, the weekly rhythm.

    Rest days are stored for the whole holiday period as the State Council notice lists it
    (weekend days included), so the table reads like the notice; the calendar only needs the
    rest days that fall Monday–Friday and the make-up working days that fall on a weekend.
    """

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("节日"), max_length=32, help_text=_("例如：国庆节、春节。"))
    source = models.CharField(
        _("来源"), max_length=200, blank=True, help_text=_("例如：国务院办公厅通知的文号。")
    )

    class Meta:
        verbose_name = _("节假日安排日")
        verbose_name_plural = _("节假日安排日")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=CalendarDayKind.values), name="calendarday_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"

    def clean(self) -> None:
        # A make-up working day on a weekday changes nothing, so it can only be a typo.
        if self.kind == CalendarDayKind.MAKEUP_WORKDAY and self.date and self.date.weekday() < 5:
            raise ValidationError({"date": _("调休上班日必须是星期六或星期日。")})


class HolidaySchedule(models.Model):
    """Marks that a year's State Council holiday schedule has been entered in full."""

    year = models.PositiveSmallIntegerField(
        _("年份"), unique=True, validators=[MinValueValidator(1949), MaxValueValidator(2200)]
    )
    source = models.CharField(
        _("发布依据"),
        max_length=200,
        help_text=_("例如：国务院办公厅关于某年部分节假日安排的通知。"),
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
