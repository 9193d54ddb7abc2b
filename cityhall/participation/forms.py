from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.core.forms import FilesField
from cityhall.participation.models import Publication, Topic
from cityhall.participation.services import BODY_MAX, REASON_MAX, SUMMARY_MAX, TITLE_MAX

ATTACHMENT_TYPES = "application/pdf,image/jpeg,image/png"


class SubscriptionForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("主题"), choices=[("", _("全部主题")), *Topic.choices], required=False
    )
    area = forms.ChoiceField(label=_("区域"))
    by_email = forms.BooleanField(label=_("同时发送电子邮件"), required=False)
    by_sms = forms.BooleanField(label=_("同时发送短信"), required=False)

    def __init__(self, *args: object, areas: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["area"].choices = areas  # type: ignore[attr-defined]


class PublicationForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX)
    topic = forms.ChoiceField(label=_("主题"), choices=Topic.choices)
    area = forms.ChoiceField(label=_("适用区域"))
    summary = forms.CharField(label=_("摘要"), max_length=SUMMARY_MAX, required=False)
    body = forms.CharField(label=_("正文"), max_length=BODY_MAX, widget=forms.Textarea)
    effective_on = forms.DateField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    attachments = FilesField(
        label=_("附件（PDF、JPEG 或 PNG，最多 10 个）"), required=False, accept=ATTACHMENT_TYPES
    )

    def __init__(self, *args: object, areas: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["area"].choices = areas  # type: ignore[attr-defined]


class RevisionForm(forms.Form):
    """A new version of a published item: its text, why it changed, files added or withdrawn."""

    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX)
    summary = forms.CharField(label=_("摘要"), max_length=SUMMARY_MAX, required=False)
    body = forms.CharField(label=_("正文"), max_length=BODY_MAX, widget=forms.Textarea)
    effective_on = forms.DateField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(
        label=_("修订说明"),
        max_length=REASON_MAX,
        help_text=_("说明改了什么、为什么改，将公开显示在版本记录中。"),
    )
    withdraw = forms.TypedMultipleChoiceField(
        label=_("撤下附件"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = FilesField(label=_("新增附件"), required=False, accept=ATTACHMENT_TYPES)
    notify = forms.BooleanField(
        label=_("通知订阅人"),
        required=False,
        help_text=_("内容有实质变化（如日期、范围、金额）时勾选，订阅人会收到修订说明。"),
    )

    def __init__(self, *args: object, publication: Publication, **kwargs: object) -> None:
        kwargs["initial"] = {
            "title": publication.title,
            "summary": publication.summary,
            "body": publication.body,
            "effective_on": publication.effective_on,
        }
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["withdraw"].choices = [  # type: ignore[attr-defined]
            (a.pk, a.name) for a in publication.attachments.filter(withdrawn_in__isnull=True)
        ]
