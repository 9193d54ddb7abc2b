"""HTML forms of the hotline. They translate input; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.core.forms import FilesField
from cityhall.hotline.models import Category, Kind, PhotoPhase, Satisfaction, Urgency
from cityhall.hotline.services.dispatch import RETURN_REASONS


class PhotosField(FilesField):
    """Several photos from one input (checked by the services, not here)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(accept="image/jpeg,image/png", **kwargs)


def category_choices() -> list[tuple[str, Any]]:
    return [("", _("（按内容自动判断）"))] + [
        (c.code, f"{c.code} {c.group}·{c.name}")
        for c in Category.objects.filter(is_active=True).order_by("code")
    ]


class LocationFields(forms.Form):
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    lat = forms.FloatField(label=_("纬度"), required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(label=_("经度"), required=False, widget=forms.HiddenInput)


class ConsoleForm(LocationFields):
    """The operator's call form: keyboard first, in the order a call goes."""

    reporter_phone = forms.CharField(label=_("来电号码"), max_length=20, required=False)
    reporter_name = forms.CharField(label=_("来电人"), max_length=64, required=False)
    anonymous = forms.BooleanField(label=_("匿名反映"), required=False)
    description = forms.CharField(
        label=_("诉求内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    kind = forms.ChoiceField(
        label=_("诉求类型"), choices=[("", _("（自动判断）")), *Kind.choices], required=False
    )
    category = forms.ChoiceField(label=_("分类"), required=False)
    urgency = forms.ChoiceField(label=_("紧急程度"), choices=Urgency.choices, initial="normal")
    dispatch = forms.BooleanField(label=_("按派单规则立即派出"), required=False, initial=True)

    # The order of a call: who is calling, what happened, where, then how urgent.
    field_order = [
        "reporter_phone",
        "reporter_name",
        "anonymous",
        "description",
        "kind",
        "category",
        "address",
        "lat",
        "lng",
        "urgency",
        "dispatch",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]


class ReportForm(LocationFields):
    """The citizen's web/mobile form."""

    description = forms.CharField(
        label=_("您要反映的问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    kind = forms.ChoiceField(label=_("诉求类型"), choices=Kind.choices, initial=Kind.COMPLAINT)
    category = forms.ChoiceField(label=_("问题分类"), required=False)
    photos = PhotosField(label=_("照片（最多 6 张，JPEG/PNG）"), required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    anonymous = forms.BooleanField(
        label=_("匿名反映（不关联我的账户，承办单位看不到我的身份）"), required=False
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]


class PatrolForm(LocationFields):
    description = forms.CharField(
        label=_("发现的问题"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    category = forms.ChoiceField(label=_("分类"), required=False)
    photos = PhotosField(label=_("现场照片"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]


class ResolveForm(forms.Form):
    result = forms.CharField(
        label=_("办理结果"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(label=_("处置后照片"), required=False)


class PhotosForm(forms.Form):
    phase = forms.ChoiceField(label=_("阶段"), choices=PhotoPhase.choices)
    photos = PhotosField(label=_("照片"))


class ReturnForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("退单原因"), choices=list(RETURN_REASONS.items()))
    note = forms.CharField(
        label=_("退单说明"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionForm(forms.Form):
    days = forms.IntegerField(label=_("延长工作日"), min_value=1, max_value=30)
    reason = forms.CharField(
        label=_("延期理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CallbackForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("原因（不满意时必填）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
