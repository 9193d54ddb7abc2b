from django import forms
from django.utils.translation import gettext_lazy as _

from cityhall.registry.vocab import DocumentType, PersonStatus


class PersonSearchForm(forms.Form):
    document_type = forms.ChoiceField(
        label=_("证件类型"), choices=DocumentType.choices, initial=DocumentType.RESIDENT_ID
    )
    document_number = forms.CharField(label=_("证件号码（精确）"), required=False, max_length=32)
    name_prefix = forms.CharField(label=_("姓名（前缀）"), required=False, max_length=32)
    address = forms.CharField(label=_("地址"), required=False, max_length=100)


class TextSearchForm(forms.Form):
    q = forms.CharField(label=_("查询"), max_length=100)


class PersonCorrectionForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=64)
    phone = forms.CharField(label=_("手机号码"), max_length=11, required=False)
    status = forms.ChoiceField(label=_("人口状态"), choices=PersonStatus.choices)
    house_code = forms.CharField(label=_("现住址房屋编码"), max_length=40, required=False)
    reason = forms.CharField(label=_("变更原因"), max_length=200, min_length=2)


class SaleFilingForm(forms.Form):
    contract_number = forms.CharField(label=_("合同编号"), max_length=32)
    buyer_document_number = forms.CharField(label=_("买受人身份证号"), max_length=18)
    price = forms.DecimalField(
        label=_("成交价（元）"), min_value=1, max_digits=14, decimal_places=2
    )


class MortgageForm(forms.Form):
    certificate_number = forms.CharField(label=_("登记证明号"), max_length=32)
    mortgagee = forms.CharField(label=_("抵押权人"), max_length=200)
    amount = forms.DecimalField(
        label=_("债权数额（元）"), min_value=1, max_digits=14, decimal_places=2
    )
    rank = forms.IntegerField(label=_("抵押顺位"), min_value=1, max_value=9, initial=1)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, min_length=2)


class CorrectionAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("核实结果"),
        choices=[("accepted", _("确有错误，已更正")), ("rejected", _("核实无误，不予更正"))],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(label=_("答复"), max_length=1000, widget=forms.Textarea)


class CorrectionReportForm(forms.Form):
    """A resident's report on one of their own facts (the fact is chosen on the page)."""

    fact = forms.CharField(widget=forms.HiddenInput)
    field = forms.ChoiceField(label=_("有误的项目"))
    proposed = forms.CharField(label=_("应为"), max_length=200)
    explanation = forms.CharField(
        label=_("说明（可选）"), max_length=1000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: object, fields: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["field"].choices = [(f, f) for f in fields]  # type: ignore[attr-defined]
