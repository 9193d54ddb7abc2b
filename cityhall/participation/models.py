"""政民互动: public information (信息公开) and subscriptions, consultations on drafts (征求意见),
the leader mailbox (领导信箱), surveys (问卷调查) and community boards (社区微博).

A publication is published for an area (the city, a district or a street) and a topic; a
subscription to an area receives what is published for it and for the areas above it (a notice
for the whole city concerns every street), filtered by topic.

Residents' texts (comments, letters, answers, posts) are stored as typed and always rendered
escaped; moderation hides with a reason and never deletes.
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
    """One item of public information: its current text (earlier ones are its revisions)."""

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
    # 1 when first published; each revision adds one (PublicationRevision keeps every text).
    revision = models.PositiveIntegerField(_("版本"), default=1)
    revised_at = models.DateTimeField(_("最近修订时间"), null=True, blank=True)

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


class PublicationRevision(models.Model):
    """One published text of an item, kept whole: revision 1 is the original."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("标题"), max_length=200)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(_("正文"))
    effective_on = models.DateField(_("生效日期"), null=True, blank=True)
    # Why the text changed (blank for the original).
    reason = models.CharField(_("修订说明"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("公开信息版本")
        verbose_name_plural = _("公开信息版本")
        ordering = ["publication", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "number"], name="revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.publication_id} v{self.number}"


class PublicationAttachment(models.Model):
    """A file published with an item (the document itself, a form, a table)."""

    publication = models.ForeignKey(
        Publication, on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("文件"), upload_to="participation/attachments/%Y/%m/")
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The revision that added it; an attachment withdrawn by a later revision keeps its row.
    added_in = models.PositiveIntegerField(_("加入版本"), default=1)
    withdrawn_in = models.PositiveIntegerField(_("撤下版本"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公开信息附件")
        verbose_name_plural = _("公开信息附件")
        ordering = ["publication", "id"]

    def __str__(self) -> str:
        return self.name


class HideReason(models.TextChoices):
    """The published moderation policy (/consultations/policy/): every hidden text names one."""

    OFF_TOPIC = "off_topic", _("与主题无关")
    ABUSE = "abuse", _("辱骂、人身攻击或歧视")
    PERSONAL_DATA = "personal_data", _("含他人个人信息")
    ADVERTISING = "advertising", _("广告或垃圾信息")
    DUPLICATE = "duplicate", _("重复发布")
    UNLAWFUL = "unlawful", _("违反法律法规")


class Moderated(models.Model):
    """A resident's text that a moderator may hide (with a reason), never delete."""

    hidden_reason = models.CharField(
        _("隐藏原因"), max_length=20, choices=HideReason.choices, blank=True
    )
    hidden_note = models.CharField(_("隐藏说明"), max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("隐藏人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hidden_at = models.DateTimeField(_("隐藏时间"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return bool(self.hidden_reason)


# --- 征求意见: consultations on drafts --------------------------------------------------------


class Consultation(TimeStampedModel):
    """A draft (征求意见稿) open for comment between two dates, then answered in a report."""

    title = models.CharField(_("标题"), max_length=200)
    summary = models.TextField(_("起草说明"), max_length=3000, blank=True)
    department = models.ForeignKey(
        OrgUnit, verbose_name=_("起草单位"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        Division, verbose_name=_("适用区域"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"), db_index=True)
    # The announcement in the public-information catalogue (topic 征求意见), which is what
    # tells subscribers; and, later, the response report's announcement.
    announcement = models.ForeignKey(
        Publication, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The response report (意见采纳情况): what changed and why, published after closing.
    response_summary = models.TextField(_("采纳情况说明"), blank=True)
    responded_at = models.DateTimeField(_("反馈发布时间"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反馈发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        ordering = ["-opens_at", "-id"]

    def __str__(self) -> str:
        return self.title


class DraftArticle(models.Model):
    """One numbered article (第N条) of the draft; comments may target it."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="articles"
    )
    number = models.PositiveIntegerField(_("条号"))
    heading = models.CharField(_("条目标题"), max_length=200, blank=True)
    body = models.TextField(_("条文"))

    class Meta:
        verbose_name = _("草案条文")
        verbose_name_plural = _("草案条文")
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="article_unique")
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} §{self.number}"


class Disposition(models.TextChoices):
    ADOPTED = "adopted", _("采纳")
    PARTLY = "partly", _("部分采纳")
    REJECTED = "rejected", _("未采纳")
    NOTED = "noted", _("已说明")


class ConsultationComment(Moderated, TimeStampedModel):
    """A resident's comment on the whole draft (article empty) or on one article."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="comments"
    )
    article = models.ForeignKey(
        DraftArticle,
        verbose_name=_("条文"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("意见内容"))
    support_count = models.PositiveIntegerField(_("支持数"), default=0)
    # The department's answer, published in the response report.
    disposition = models.CharField(
        _("处理结果"), max_length=10, choices=Disposition.choices, blank=True
    )
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("意见")
        verbose_name_plural = _("意见")
        ordering = ["consultation", "created_at", "id"]
        indexes = [models.Index(fields=["author", "created_at"])]

    def __str__(self) -> str:
        return f"{self.consultation_id}#{self.pk}"


class CommentSupport(models.Model):
    """One resident's support (附议) for a comment, once."""

    comment = models.ForeignKey(
        ConsultationComment, on_delete=models.CASCADE, related_name="supports"
    )
    supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        constraints = [
            models.UniqueConstraint(fields=["comment", "supporter"], name="support_unique")
        ]

    def __str__(self) -> str:
        return f"{self.comment_id}+{self.supporter_id}"


# --- 领导信箱: the leader mailbox ----------------------------------------------------------


class Mailbox(TimeStampedModel):
    """A head's or a street's mailbox (e.g. 区长信箱, 某某街道书记信箱), held by a unit."""

    name = models.CharField(_("信箱名称"), max_length=100)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+"
    )
    addressee = models.CharField(_("收信人职务"), max_length=50)
    # Working days (the city's calendar) from receipt to reply.
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), default=10)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("领导信箱")
        verbose_name_plural = _("领导信箱")
        ordering = ["unit__code", "name"]

    def __str__(self) -> str:
        return self.name


class LetterStatus(models.TextChoices):
    RECEIVED = "received", _("已收到")
    ASSIGNED = "assigned", _("办理中")
    ANSWERED = "answered", _("已答复")


class Letter(TimeStampedModel):
    """A resident's letter: tracked by number, answered within the mailbox's time limit."""

    tracking_number = models.CharField(_("信件编号"), max_length=24, unique=True)
    mailbox = models.ForeignKey(
        Mailbox, verbose_name=_("信箱"), on_delete=models.PROTECT, related_name="letters"
    )
    writer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("来信人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"))
    # The writer's consent to publishing the letter and its reply (name never shown).
    consent_publish = models.BooleanField(_("同意公开"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=LetterStatus.choices, default=LetterStatus.RECEIVED
    )
    # Who answers: the mailbox's unit, or a unit it hands the letter to.
    handling_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="+"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("收信时间"))
    due_on = models.DateField(_("答复期限"), db_index=True)
    reply = models.TextField(_("答复内容"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # Published (with consent) on the mailbox's public page.
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    # The writer's rating of the reply (1–5), optional.
    rating = models.PositiveSmallIntegerField(_("满意度评价"), null=True, blank=True)
    # Supervision reminders already sent (0 none, 1 due soon, 2 overdue).
    reminder_level = models.PositiveSmallIntegerField(_("督办提醒级别"), default=0)

    class Meta:
        verbose_name = _("来信")
        verbose_name_plural = _("来信")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["writer", "received_at"]),
        ]

    def __str__(self) -> str:
        return self.tracking_number


class LetterEvent(models.Model):
    """One step of a letter's handling (received, assigned, transferred, answered, published…)."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("环节"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("来信办理记录")
        verbose_name_plural = _("来信办理记录")
        ordering = ["letter", "at", "id"]

    def __str__(self) -> str:
        return f"{self.letter_id} {self.kind}"


# --- 问卷调查: surveys --------------------------------------------------------------------


class Audience(models.TextChoices):
    EVERYONE = "everyone", _("所有市民")
    AREA = "area", _("某区域居民")
    SERVICE_USERS = "service_users", _("办理过某事项的市民")


class Survey(TimeStampedModel):
    """A questionnaire a unit runs for an audience between two dates."""

    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("说明"), max_length=3000, blank=True)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("发起单位"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    audience = models.CharField(
        _("调查对象"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    audience_area = models.ForeignKey(
        Division,
        verbose_name=_("区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    audience_item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("服务事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Empty until staff open it (questions can be edited only before).
    opens_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    closed_early_at = models.DateTimeField(_("提前结束时间"), null=True, blank=True)
    response_count = models.PositiveIntegerField(_("答卷数"), default=0)

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    SCALE = "scale", _("量表")
    TEXT = "text", _("文字")


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("题目"), max_length=300)
    required = models.BooleanField(_("必答"), default=True)
    # Choice questions: the options' labels, in order (answers store their indexes).
    options = models.JSONField(_("选项"), default=list, blank=True)
    # Scale questions: from 1 to scale_max, with words for both ends.
    scale_max = models.PositiveSmallIntegerField(_("量表最高分"), default=5)
    scale_low_label = models.CharField(_("最低分含义"), max_length=30, blank=True)
    scale_high_label = models.CharField(_("最高分含义"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["survey", "position"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "position"], name="question_unique")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} Q{self.position}"


class SurveyResponse(models.Model):
    """One resident's answers to one survey: at most one each."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["survey", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "respondent"], name="response_once")
        ]

    def __str__(self) -> str:
        return f"{self.survey_id}:{self.respondent_id}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="+")
    # Choice questions: indexes into the question's options; scale: the value; text: the text.
    choices = models.JSONField(default=list, blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.question_id}"


# --- 社区微博: community boards -----------------------------------------------------------


class Board(TimeStampedModel):
    """A community's or a street's board, run by its office (the unit serving that division)."""

    division = models.OneToOneField(
        Division, verbose_name=_("社区/街道"), on_delete=models.PROTECT, related_name="+"
    )
    office = models.ForeignKey(
        OrgUnit, verbose_name=_("管理单位"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("社区微博")
        verbose_name_plural = _("社区微博")
        ordering = ["division__code"]

    def __str__(self) -> str:
        return self.name


class BoardPost(Moderated, TimeStampedModel):
    """A post on a board (by the office or a resident), or a reply to one (parent set)."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Written by the office (shown as the office, not the member of staff).
    official = models.BooleanField(_("官方发布"), default=False)
    body = models.TextField(_("内容"))
    # A resident's post the office turned into a hotline ticket (one step, once).
    ticket = models.OneToOneField(
        "hotline.Ticket",
        verbose_name=_("转办工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    converted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("转办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    converted_at = models.DateTimeField(_("转办时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微博帖子")
        verbose_name_plural = _("微博帖子")
        ordering = ["board", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["board", "parent", "created_at"]),
            models.Index(fields=["author", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.board_id}#{self.pk}"
