"""The citizen's page of who read their data (谁查看了我的信息): reads through the exchange
and by staff inside the product in one list, newest first, each open to an objection, and the
citizen's objections with the departments' answers. Only ever the citizen's own records."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.exchange import selectors
from cityhall.exchange.forms import ObjectionForm
from cityhall.exchange.models import Objection
from cityhall.exchange.services.objections import objection_file
from cityhall.exchange.vocab import ObjectionStatus
from cityhall.identity.decorators import citizen_required
from cityhall.identity.models import Account

PAGE_SIZE = 20


def _account(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


def _read_key(objection: Objection) -> str:
    # A database constraint: exactly one of the two is set.
    if objection.entry is not None:
        return f"exchange-{objection.entry.seq}"
    return f"staff-{objection.audit_entry.seq}" if objection.audit_entry is not None else ""


def _page(
    request: HttpRequest,
    account: Account,
    *,
    page_number: str | None,
    failed: tuple[str, ObjectionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    page = Paginator(selectors.data_reads_of(account=account), PAGE_SIZE).get_page(page_number)
    reads = selectors.data_reads_resolve(list(page.object_list))
    objections = list(
        selectors.objections_of(account=account).select_related("entry", "audit_entry")
    )
    open_by_read = {_read_key(o): o for o in objections if o.status == ObjectionStatus.OPEN}
    rows: list[dict[str, Any]] = []
    for read in reads:
        form = ObjectionForm(
            initial={"kind": read.kind, "seq": read.seq}, auto_id=f"objection-{read.key}-%s"
        )
        if failed is not None and failed[0] == read.key:
            form = failed[1]
        rows.append(
            {
                "read": read,
                "open_objection": open_by_read.get(read.key),
                "form": form,
                "failed": failed is not None and failed[0] == read.key,
            }
        )
    return render(
        request,
        "exchange/my_data_access.html",
        {
            "page": page,
            "rows": rows,
            "objections": objections,
            "failed_form": failed[1] if failed is not None else None,
        },
        status=status,
    )


@citizen_required
@require_GET
def my_data_access(request: HttpRequest) -> HttpResponse:
    return _page(request, _account(request), page_number=request.GET.get("page"))


@citizen_required
@require_POST
def objection_file_view(request: HttpRequest) -> HttpResponse:
    """The citizen objects to one read of their own data; any other read is a 404."""
    account = _account(request)
    kind, seq = request.POST.get("kind", ""), request.POST.get("seq", "")
    form = ObjectionForm(request.POST, auto_id=f"objection-{kind}-{seq}-%s")
    if not form.is_valid():
        if "kind" in form.errors or "seq" in form.errors:
            raise NotFoundError(_("未找到该访问记录"))
        return _page(
            request,
            account,
            page_number=request.POST.get("page"),
            failed=(f"{kind}-{seq}", form),
            status=400,
        )
    data = form.cleaned_data
    target = (
        {"entry_seq": data["seq"]} if data["kind"] == "exchange" else {"audit_seq": data["seq"]}
    )
    try:
        objection = objection_file(account=account, reason=data["reason"], **target)
    except NotFoundError:
        raise
    except DomainError as error:
        form.add_error(None, error.message)
        return _page(
            request,
            account,
            page_number=request.POST.get("page"),
            failed=(f"{data['kind']}-{data['seq']}", form),
            status=400,
        )
    messages.success(
        request,
        _("已提出异议 %(number)s，%(department)s 将答复，答复会发送到您的消息中")
        % {"number": objection.number, "department": objection.department.name},
    )
    return redirect(reverse("exchange:my_data_access") + "#objections-title")
