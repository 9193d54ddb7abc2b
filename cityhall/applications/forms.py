"""HTML forms over intake, review and rating. They translate; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.applications.models import Outcome, RatingLevel
from cityhall.applications.services.ratings import DIMENSIONS
from cityhall.catalog.models import Material

INPUT_TYPES = {"date": "date", "number": "number", "phone": "tel"}


class ApplicationForm(forms.Form):
    """The item's own fields, an upload per material the city cannot fetch, and where."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self,
        *args: Any,
        fields: list[dict[str, Any]],
        upload_materials: list[Material],
        streets: list[tuple[str, str]] | None = None,
        enterprises: list[tuple[str, str]] | None = None,
        window: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if enterprises:
            self.fields["enterprise_uscc"] = forms.ChoiceField(
                label=_("申请企业"), choices=[("", "—"), *enterprises], required=False
            )
        if streets is not None:
            self.fields["division_code"] = forms.ChoiceField(
                label=_("办理地（街道/镇）"), choices=streets
            )
        for spec in fields:
            attrs = {}
            if spec["type"] in INPUT_TYPES:
                attrs["type"] = INPUT_TYPES[spec["type"]]
            field: forms.Field
            if spec["type"] == "choice":
                field = forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in spec["choices"]])
            elif spec["type"] == "textarea":
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
            else:
                field = forms.CharField(widget=forms.TextInput(attrs=attrs))
            field.label = spec["label"]
            field.required = spec["required"]
            self.fields[f"f_{spec['key']}"] = field
        for material in upload_materials:
            required = material.required and not window
            self.fields[f"m_{material.pk}"] = forms.FileField(
                label=material.name,
                required=required,
                error_messages={
                    "required": _("必交材料“%(name)s”尚未上传") % {"name": material.name}
                },
                help_text=_("PDF、JPEG 或 PNG") + (" · " + _("必交") if material.required else ""),
            )
            if window:
                self.fields[f"seen_{material.pk}"] = forms.BooleanField(
                    label=_("已核验“%(name)s”原件") % {"name": material.name}, required=False
                )

    def form_values(self) -> dict[str, Any]:
        return {k[2:]: v for k, v in self.cleaned_data.items() if k.startswith("f_")}

    def uploads(self) -> dict[int, Any]:
        return {int(k[2:]): v for k, v in self.cleaned_data.items() if k.startswith("m_") and v}

    def seen(self) -> frozenset[int]:
        return frozenset(
            int(k[5:]) for k, v in self.cleaned_data.items() if k.startswith("seen_") and v
        )


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("审查意见"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    opinion = forms.CharField(
        label=_("理由/说明"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不同意或要求补正时必填"),
    )


class RatingForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("总体评价"), choices=RatingLevel.choices, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("意见建议"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in DIMENSIONS.items():
            self.fields[f"d_{key}"] = forms.TypedChoiceField(
                label=label,
                choices=[("", "—"), *RatingLevel.choices],
                coerce=int,
                required=False,
                empty_value=None,
            )

    def dimensions(self) -> dict[str, int]:
        return {
            k[2:]: v for k, v in self.cleaned_data.items() if k.startswith("d_") and v is not None
        }


class VisitForm(forms.Form):
    measures = forms.CharField(label=_("整改措施"), widget=forms.Textarea(attrs={"rows": 3}))
    visit_note = forms.CharField(label=_("回访记录"), widget=forms.Textarea(attrs={"rows": 3}))


class FollowUpForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("整改后评价"), choices=RatingLevel.choices, coerce=int, widget=forms.RadioSelect
    )


class CitizenLookupForm(forms.Form):
    id_number = forms.CharField(
        label=_("居民身份证号码"), max_length=18, help_text=_("核验居民身份证原件后输入")
    )


class CardLookupForm(forms.Form):
    """The walk-in's social security card at the counter: the reader types the number, the
    holder types the PIN on the PIN pad."""

    card_number = forms.CharField(label=_("社会保障卡卡号"), max_length=12)
    pin = forms.CharField(
        label=_("密码（由本人在密码键盘输入）"),
        max_length=6,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
