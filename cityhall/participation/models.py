"""政民互动: public information (信息公开) and residents' subscriptions to it.

A publication is published for an area (the city, a district or a street) and a topic; a
subscription to an area receives what is published for it and for the areas above it (a notice
for the whole city concerns every street), filtered by topic.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityhall.core.models import TimeStampedModel
from cityhall.geo.models import Division
from cityhall.identity.models import OrgUnit


class Topic(models.TextChoices):
    POLICY = "policy", _("政策文件")
    NOTICE = "notice", _("通知公告")
    SERVICE_CHANGE = "service_change", _("服务变更")
    CONSULTATION = "consultation", _("征求意见")
    STATISTICS = "statistics", _("统计信息")


class Publication(TimeStampedModel):
    """One item of public information, as published (issue 8 adds revisions and attachments)."""

    title = models.CharField(_("标题"), max_length=200)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"))
    topic = models.CharField(_("主题"), max_length=20, choices=Topic.choices)
    area = models.ForeignKey(
        Division, verbose_name=_("适用区域"), on_delete=models.PROTECT, related_name="+"
    )
    publisher = models.ForeignKey(
        OrgUnit, verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    effective_on = models.DateField(_("生效日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), db_index=True)
    # Subscribers told (the fan-out runs after the commit, in the background).
    notified_count = models.PositiveIntegerField(_("已通知订阅人数"), default=0)

    class Meta:
        verbose_name = _("公开信息")
        verbose_name_plural = _("公开信息")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["topic", "published_at"])]

    def __str__(self) -> str:
        return self.title


class Subscription(TimeStampedModel):
    """A resident's subscription to a topic (or all topics) for an area."""

    subscriber = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("订阅人"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    # Blank: every topic.
    topic = models.CharField(_("主题"), max_length=20, choices=Topic.choices, blank=True)
    area = models.ForeignKey(
        Division, verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+"
    )
    by_email = models.BooleanField(_("同时发送电子邮件"), default=False)
    by_sms = models.BooleanField(_("同时发送短信"), default=False)

    class Meta:
        verbose_name = _("订阅")
        verbose_name_plural = _("订阅")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "topic", "area"], name="subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id}:{self.topic or '*'}@{self.area_id}"
