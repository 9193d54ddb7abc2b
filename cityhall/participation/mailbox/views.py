"""Leader mailbox pages: public mailboxes and published letters, the writer's letters and
tracking, and the handling unit's inbox and letter page."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.identity.decorators import citizen_required, staff_required
from cityhall.identity.models import Account, UnitLevel
from cityhall.participation.mailbox import selectors, services
from cityhall.participation.mailbox.forms import (
    AssignForm,
    LetterForm,
    RateForm,
    ReplyForm,
    TrackForm,
    TransferForm,
)
from cityhall.participation.models import Letter, LetterStatus, Mailbox


def _account(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


# --- Public -------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "participation/mailbox/index.html", {"groups": selectors.mailboxes_grouped()}
    )


def _mailbox_page(
    request: HttpRequest, box: Mailbox, form: LetterForm, *, status: int = 200
) -> HttpResponse:
    letters = selectors.letters_published(mailbox=box)
    page = Paginator(letters, 10).get_page(request.GET.get("page"))
    return render(
        request,
        "participation/mailbox/mailbox.html",
        {"mailbox": box, "page": page, "form": form},
        status=status,
    )


def mailbox(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    box = selectors.mailbox_get(mailbox_id=mailbox_id)
    return _mailbox_page(request, box, LetterForm())


@citizen_required
@require_POST
def write(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    box = selectors.mailbox_get(mailbox_id=mailbox_id)
    form = LetterForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            letter = services.letter_write(
                writer=_account(request),
                mailbox=box,
                subject=data["subject"],
                body=data["body"],
                consent_publish=data["consent_publish"],
            )
        except NotFoundError:
            raise
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("来信已收到，信件编号 %(number)s，答复期限 %(due)s。")
                % {"number": letter.tracking_number, "due": letter.due_on.isoformat()},
            )
            return redirect("mailbox:letter", letter.pk)
    return _mailbox_page(request, box, form, status=400)


# --- The writer ---------------------------------------------------------------------------------


@citizen_required
def track(request: HttpRequest) -> HttpResponse:
    """Find one's own letter by its number; someone else's number is simply not found."""
    form = TrackForm(request.GET if "number" in request.GET else None)
    status = 200
    if form.is_bound:
        status = 400
        if form.is_valid():
            try:
                letter = selectors.letter_track(
                    account=_account(request), number=form.cleaned_data["number"]
                )
            except DomainError as error:
                form.add_error("number", error.message)
                status = error.status
            else:
                return redirect("mailbox:letter", letter.pk)
    return render(request, "participation/mailbox/track.html", {"form": form}, status=status)


@citizen_required
def mine(request: HttpRequest) -> HttpResponse:
    letters = selectors.letters_of_writer(account=_account(request))
    page = Paginator(letters, 20).get_page(request.GET.get("page"))
    return render(request, "participation/mailbox/mine.html", {"page": page})


@citizen_required
@require_http_methods(["GET", "POST"])
def letter(request: HttpRequest, letter_id: int) -> HttpResponse:
    account = _account(request)
    found = selectors.letter_of_writer(account=account, letter_id=letter_id)
    form = RateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.letter_rate(
                    letter=found, writer=account, rating=form.cleaned_data["rating"]
                )
            except NotFoundError:
                raise
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("感谢您的评价。"))
                return redirect("mailbox:letter", found.pk)
    return render(
        request,
        "participation/mailbox/letter.html",
        {
            "letter": found,
            "events": selectors.letter_history(letter=found, for_staff=False),
            "rate_form": form,
            "can_rate": found.status == LetterStatus.ANSWERED and found.rating is None,
        },
        status=status,
    )


# --- The handling unit --------------------------------------------------------------------------


@staff_required
def staff_inbox(request: HttpRequest) -> HttpResponse:
    answered = request.GET.get("answered") == "1"
    letters = selectors.letters_for_unit(actor=_account(request), answered=answered)[:200]
    return render(
        request,
        "participation/mailbox/staff_inbox.html",
        {"rows": selectors.inbox_rows(letters=letters), "answered": answered},
    )


def _unit_choices(found: Letter) -> list[tuple[str, object]]:
    labels = dict(UnitLevel.choices)
    groups: dict[str, list[tuple[int, str]]] = {}
    for unit in selectors.transfer_targets(letter=found):
        groups.setdefault(unit.level, []).append((unit.pk, unit.name))
    return [("", _("请选择单位")), *((str(labels[lv]), units) for lv, units in groups.items())]


def _staff_step(
    action: str,
    *,
    found: Letter,
    actor: Account,
    handlers: list[Account],
    step_forms: dict[str, forms.Form],
) -> str:
    """Run one step of the staff letter page; the success message, or a DomainError."""
    if action == "assign":
        chosen = step_forms["assign"].cleaned_data["handler"]
        handler = next((h for h in handlers if h.pk == chosen), None)
        if handler is None:
            raise DomainError(_("承办人须是本单位的信件办理人员"), code="handler")
        services.letter_assign(letter=found, handler=handler, by=actor)
        return _("已分配承办人。")
    if action == "transfer":
        data = step_forms["transfer"].cleaned_data
        unit = selectors.transfer_targets(letter=found).filter(pk=data["unit"]).first()
        if unit is None:
            raise DomainError(_("请选择转交单位"), code="transfer_scope")
        services.letter_transfer(letter=found, to_unit=unit, by=actor, note=data["note"])
        return _("已转交，承办单位已收到通知。")
    if action == "reply":
        services.letter_reply(
            letter=found, text=step_forms["reply"].cleaned_data["reply"], by=actor
        )
        return _("已答复，来信人已收到答复。")
    if action == "publish":
        services.letter_publish(letter=found, by=actor)
        return _("已公开（不显示来信人姓名）。")
    if action == "unpublish":
        services.letter_unpublish(letter=found, by=actor)
        return _("已撤销公开。")
    raise DomainError(_("请选择要执行的操作"), code="action")


@staff_required
@require_http_methods(["GET", "POST"])
def staff_letter(request: HttpRequest, letter_id: int) -> HttpResponse:
    actor = _account(request)
    found = selectors.letter_for_staff(actor=actor, letter_id=letter_id)
    handlers = list(selectors.unit_handlers(unit=found.handling_unit))
    action = request.POST.get("action", "") if request.method == "POST" else ""

    def data(name: str) -> QueryDict | None:
        return request.POST if action == name else None

    step_forms: dict[str, forms.Form] = {
        "assign": AssignForm(
            data("assign"),
            prefix="assign",
            handlers=[("", _("请选择承办人")), *((h.pk, h.real_name) for h in handlers)],
            initial={"handler": found.handler_id},
        ),
        "transfer": TransferForm(data("transfer"), prefix="transfer", units=_unit_choices(found)),
        "reply": ReplyForm(data("reply"), prefix="reply"),
    }
    error = ""
    status = 200
    if request.method == "POST":
        status = 400
        form = step_forms.get(action)
        if form is None or form.is_valid():
            try:
                done = _staff_step(
                    action, found=found, actor=actor, handlers=handlers, step_forms=step_forms
                )
            except NotFoundError:
                raise
            except DomainError as problem:
                if form is None:
                    error = problem.message
                else:
                    form.add_error(None, problem.message)
            else:
                messages.success(request, done)
                if action == "transfer":  # the letter has left this unit
                    return redirect("mailbox:staff_inbox")
                return redirect("mailbox:staff_letter", found.pk)
    return render(
        request,
        "participation/mailbox/staff_letter.html",
        {
            "letter": found,
            "row": selectors.inbox_rows(letters=[found])[0],
            "events": selectors.letter_history(letter=found, for_staff=True),
            "assign_form": step_forms["assign"],
            "transfer_form": step_forms["transfer"],
            "reply_form": step_forms["reply"],
            "error": error,
            "is_open": found.status != LetterStatus.ANSWERED,
        },
        status=status,
    )
