"""Forms for consultations: they only shape input; the rules are in services."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.participation.consultations.drafts import DRAFT_MAX
from cityhall.participation.consultations.services import (
    ANSWER_MAX,
    COMMENT_MAX,
    NOTE_MAX,
    RESPONSE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
)
from cityhall.participation.models import Disposition, HideReason

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class _DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_LOCAL)


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX)
    area = forms.ChoiceField(label=_("适用区域"))
    summary = forms.CharField(
        label=_("起草说明"),
        max_length=SUMMARY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("为什么起草、主要内容、依据。"),
    )
    opens_at = forms.DateTimeField(
        label=_("开始时间"),
        widget=_DateTimeLocal(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        help_text=_("可以是现在，也可以是以后的时间。"),
    )
    closes_at = forms.DateTimeField(
        label=_("截止时间"),
        widget=_DateTimeLocal(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
    )
    draft = forms.CharField(
        label=_("草案正文"),
        max_length=DRAFT_MAX,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "每条以“第一条”“第二条”……（或“第1条”）开头另起一行，条号须连续；"
            "“第一章 总则”等章节标题会作为其后第一条的标题；第一条之前不要写其他文字。"
            "没有分条的草案按全文征求意见。"
        ),
    )

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas  # type: ignore[attr-defined]


class CommentForm(forms.Form):
    """Length and emptiness are checked by the service (abuse.text_clean), one message for all."""

    article = forms.IntegerField(required=False, min_value=1)
    body = forms.CharField(
        label=_("我的意见"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
    )


class HideForm(forms.Form):
    reason = forms.ChoiceField(label=_("隐藏原因"), choices=HideReason.choices)
    note = forms.CharField(label=_("补充说明（选填）"), max_length=NOTE_MAX, required=False)


class AnswerForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("处理结果"), choices=[("", _("请选择")), *Disposition.choices]
    )
    answer = forms.CharField(
        label=_("答复"), max_length=ANSWER_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResponseForm(forms.Form):
    summary = forms.CharField(
        label=_("采纳情况说明"),
        max_length=RESPONSE_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("草案根据意见作了哪些修改、为什么；未采纳的主要意见及理由。"),
    )
