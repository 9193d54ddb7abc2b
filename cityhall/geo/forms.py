from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class LocateForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Chinese labels stand without a colon; the field layout already separates them.
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    lat = forms.FloatField(
        label=_("纬度"),
        min_value=-90,
        max_value=90,
        help_text=_("WGS84 十进制度数，例如 23.1291"),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    lng = forms.FloatField(
        label=_("经度"),
        min_value=-180,
        max_value=180,
        help_text=_("WGS84 十进制度数，例如 113.2644"),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
