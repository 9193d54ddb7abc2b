"""Forms of the exchange's pages. They check the shape of what was typed; the services decide."""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityhall.exchange.models import ClientSystem, DataResource
from cityhall.exchange.vocab import ClientStatus, Purpose, SharingType
from cityhall.identity.models import OrgUnit

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DEFAULT_VALIDITY_DAYS = 365


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("关键词"), required=False, max_length=60)
    owner = forms.ChoiceField(label=_("提供部门"), required=False)
    theme = forms.ChoiceField(label=_("主题分类"), required=False)
    sharing_type = forms.ChoiceField(
        label=_("共享类型"),
        required=False,
        choices=[("", _("全部共享类型")), *SharingType.choices],
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        owners: Iterable[OrgUnit],
        themes: Iterable[tuple[str, str]],
    ) -> None:
        super().__init__(data)
        self.fields["owner"].choices = [  # type: ignore[attr-defined]
            ("", _("全部部门")),
            *((u.code, u.name) for u in owners),
        ]
        self.fields["theme"].choices = [("", _("全部主题")), *themes]  # type: ignore[attr-defined]


class GrantRequestForm(forms.Form):
    """A steward's request to read chosen fields of another department's resource."""

    # Not `fields`: that name is the form's own dict of fields.
    chosen_fields = forms.MultipleChoiceField(
        label=_("申请字段"), widget=forms.CheckboxSelectMultiple, required=False
    )
    purpose = forms.ChoiceField(label=_("用途"), choices=[("", "—"), *Purpose.choices])
    legal_basis = forms.CharField(
        label=_("法律依据"),
        max_length=300,
        help_text=_("写明法律、法规或规章的名称和条款，例如《失业保险条例》第十五条"),
    )
    valid_from = forms.DateField(label=_("生效日期"), widget=DATE_WIDGET)
    valid_until = forms.DateField(label=_("截止日期"), widget=DATE_WIDGET)
    client = forms.ChoiceField(
        label=_("限定接入系统"),
        required=False,
        help_text=_("不选则本部门所有接入系统均可使用该授权"),
    )

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        resource: DataResource,
        clients: Iterable[ClientSystem],
    ) -> None:
        today = timezone.localdate()
        super().__init__(
            data,
            initial={
                "valid_from": today,
                "valid_until": today + timedelta(days=DEFAULT_VALIDITY_DAYS),
            },
        )
        self.fields["chosen_fields"].choices = [  # type: ignore[attr-defined]
            (f.name, f"{f.label}（{f.get_sensitivity_display()}）") for f in resource.fields.all()
        ]
        self.fields["client"].choices = [  # type: ignore[attr-defined]
            ("", _("本部门所有系统")),
            *((c.client_id, f"{c.name}（{c.client_id}）") for c in clients),
        ]


class ReasonForm(forms.Form):
    """Approve, reject or revoke a grant (the service says when a reason is required)."""

    reason = forms.CharField(label=_("理由"), required=False, max_length=300)


class ClientRegisterForm(forms.Form):
    client_id = forms.SlugField(
        label=_("客户端标识"),
        max_length=64,
        help_text=_("小写字母、数字和连字符，例如 gz-rs-benefits"),
    )
    name = forms.CharField(label=_("系统名称"), max_length=120)
    rate_limit_per_minute = forms.IntegerField(
        label=_("每分钟查询上限"), min_value=1, max_value=1_000_000, initial=6000
    )
    public_key_pem = forms.CharField(
        label=_("客户端公钥（PEM，可选）"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("用于 private_key_jwt 客户端认证；不填则只用密钥认证"),
    )


class RotateForm(forms.Form):
    overlap_hours = forms.IntegerField(
        label=_("新旧密钥并行小时数"), min_value=0, max_value=720, initial=24
    )


class ClientStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=ClientStatus.choices)


class LogFilterForm(forms.Form):
    resource = forms.ChoiceField(label=_("数据资源"), required=False)
    purpose = forms.ChoiceField(
        label=_("用途"), required=False, choices=[("", _("全部用途")), *Purpose.choices]
    )
    case = forms.CharField(label=_("办理事项编号"), required=False, max_length=64)

    def __init__(
        self, data: Mapping[str, Any] | None, *, resources: Iterable[DataResource]
    ) -> None:
        super().__init__(data)
        self.fields["resource"].choices = [  # type: ignore[attr-defined]
            ("", _("全部资源")),
            *((r.code, f"{r.title}（{r.code}）") for r in resources),
        ]


class ProveForm(forms.Form):
    seq = forms.IntegerField(label=_("记录序号"), min_value=1)


class ObjectionForm(forms.Form):
    """The citizen objects to one read: of the exchange (`exchange`) or by staff (`staff`)."""

    kind = forms.ChoiceField(choices=[("exchange", "exchange"), ("staff", "staff")])
    seq = forms.IntegerField(min_value=1)
    reason = forms.CharField(
        label=_("异议内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("答复"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
