from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.participation.mailbox.services import (
    BODY_MAX,
    NOTE_MAX,
    REPLY_MAX,
    SUBJECT_MAX,
)


class LetterForm(forms.Form):
    subject = forms.CharField(label=_("标题"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("来信内容"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("10 至 3000 个字。请写明事情经过、地点和您的诉求。"),
    )
    consent_publish = forms.BooleanField(
        label=_("同意公开我的来信和答复（不公开姓名）"), required=False, initial=False
    )


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("信件编号"),
        max_length=24,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("对答复的满意度"),
        coerce=int,
        choices=[
            ("", _("请选择")),
            (5, _("5 分 非常满意")),
            (4, _("4 分 满意")),
            (3, _("3 分 基本满意")),
            (2, _("2 分 不满意")),
            (1, _("1 分 非常不满意")),
        ],
    )


class AssignForm(forms.Form):
    handler = forms.TypedChoiceField(label=_("承办人"), coerce=int)

    def __init__(
        self, *args: object, handlers: list[tuple[int | str, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["handler"].choices = handlers  # type: ignore[attr-defined]


class TransferForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("转交单位"), coerce=int)
    note = forms.CharField(
        label=_("转交说明"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: object, units: list[tuple[str, object]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("答复内容"), max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 8})
    )
