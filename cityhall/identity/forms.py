from django import forms
from django.utils.translation import gettext_lazy as _


class SigninForm(forms.Form):
    identifier = forms.CharField(
        label=_("身份证号或登录名"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TotpForm(forms.Form):
    token = forms.CharField(
        label=_("6 位验证码"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("查看事由"), max_length=200, min_length=2)
