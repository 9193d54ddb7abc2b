from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityhall.core.models import TimeStampedModel


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内信")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")


class Message(TimeStampedModel):
    """A message to one account; it always lands in the in-app inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("收件人"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    template = models.CharField(_("模板"), max_length=64)
    language = models.CharField(_("语言"), max_length=8)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("正文"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    # Same key, same recipient: the message is sent once (tasks and sweeps may repeat).
    dedupe_key = models.CharField(_("去重键"), max_length=120, blank=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="message_unique_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return self.subject


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("无联系方式")


class Delivery(TimeStampedModel):
    """One attempt chain to deliver a message through an outside channel (email, SMS)."""

    message = models.ForeignKey(
        Message, verbose_name=_("消息"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("投递")
        verbose_name_plural = _("投递")
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="delivery_unique_channel")
        ]

    def __str__(self) -> str:
        return f"{self.message_id}/{self.channel}"


class SmsOutbox(models.Model):
    """Local SMS outbox used in development and demos instead of a carrier gateway."""

    phone = models.CharField(_("手机号码"), max_length=20)
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("短信发件箱")
        verbose_name_plural = _("短信发件箱")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:20]}"
