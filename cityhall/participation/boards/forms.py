from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.participation.models import HideReason


class PostForm(forms.Form):
    # Length and emptiness are the service's to judge (abuse.text_clean), with one clear message.
    body = forms.CharField(
        label=_("发布内容"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("最多 1000 字。请勿填写身份证号、电话等个人信息；发言以姓氏加星号显示。"),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("回复内容"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: object, post_id: int, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", f"reply-{post_id}-%s")
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class HideForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("隐藏原因"), choices=[("", _("请选择")), *HideReason.choices]
    )
    note = forms.CharField(label=_("说明（选填）"), required=False, max_length=300)


class ConvertForm(forms.Form):
    category = forms.ChoiceField(
        label=_("诉求分类"),
        required=False,
        help_text=_("不选则由热线按内容自动判断。"),
    )
    address = forms.CharField(
        label=_("问题地址"),
        required=False,
        max_length=200,
        help_text=_("不填则使用本社区微博所在的社区或街道。"),
    )

    def __init__(self, *args: object, categories: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("自动判断")),
            *categories,
        ]
