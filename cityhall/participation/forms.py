from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.participation.models import Topic
from cityhall.participation.services import BODY_MAX, SUMMARY_MAX, TITLE_MAX


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

    def __init__(self, *args: object, areas: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["area"].choices = areas  # type: ignore[attr-defined]
