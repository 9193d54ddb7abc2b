from django import forms
from django.utils.translation import gettext_lazy as _


class SigninForm(forms.Form):
    identifier = forms.CharField(
        label=_("身份证号或登录名"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
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


class CardPinForm(forms.Form):
    """The holder types a new PIN twice on the counter's PIN pad."""

    pin = forms.CharField(
        label=_("新密码（6 位数字）"),
        max_length=6,
        min_length=6,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    pin_again = forms.CharField(
        label=_("再次输入新密码"),
        max_length=6,
        min_length=6,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("pin") and data.get("pin") != data.get("pin_again"):
            self.add_error("pin_again", _("两次输入的密码不一致"))
        return data


class CardIssueForm(CardPinForm):
    bank_account = forms.CharField(
        label=_("金融账户（银行卡号，可选）"), max_length=23, required=False
    )
    bank_name = forms.CharField(label=_("合作银行（可选）"), max_length=40, required=False)
