from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.cloud.models import NAME_MAX


class UploadForm(forms.Form):
    # Empty files pass the form so the service refuses them with the shared, clear message.
    upload = forms.FileField(
        label=_("选择文件"),
        allow_empty_file=True,
        help_text=_("PDF、JPEG 或 PNG 文件。"),
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    name = forms.CharField(
        label=_("文件名（可不填）"),
        max_length=NAME_MAX,
        required=False,
        help_text=_("不填则使用原文件名。"),
    )
