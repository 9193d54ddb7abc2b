"""Community board pages: the public index, a board and a thread (where residents post and reply),
and the office's actions: official posts, hiding and restoring, turning a post into a ticket."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.geo.models import Division
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account
from cityhall.participation.boards import selectors, services
from cityhall.participation.boards.forms import ConvertForm, HideForm, PostForm
from cityhall.participation.models import Board, BoardPost

THREADS_PER_PAGE = 20
OUT_OF_SCOPE = (NotFoundError, PermissionDeniedError)


def _viewer(request: HttpRequest) -> Account | None:
    return request.user if request.user.is_authenticated else None


def _may_post(viewer: Account | None, board: Board) -> bool:
    if viewer is None:
        return False
    return viewer.is_citizen or selectors.board_manageable(actor=viewer, board=board)


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    viewer = _viewer(request)
    return render(
        request,
        "participation/boards/index.html",
        {"districts": selectors.boards_index(viewer=viewer)},
    )


def _provisional(division: Division) -> Board | None:
    """The board as it will be when first used (not saved: reading a page opens nothing)."""
    board = selectors.board_at(division)
    if board is not None:
        return board
    office = selectors.board_office_for(division)
    if office is None:
        return None
    return Board(division=division, office=office, name=selectors.board_name(division))


def _board_render(
    request: HttpRequest, division: Division, *, form: PostForm | None = None, status: int = 200
) -> HttpResponse:
    viewer = _viewer(request)
    board = _provisional(division)
    manager = board is not None and viewer is not None
    manager = manager and selectors.board_manageable(actor=viewer, board=board)  # type: ignore[arg-type]
    page = None
    if board is not None and board.pk:
        page = Paginator(selectors.threads_of(board=board), THREADS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        selectors.posts_present(list(page.object_list), viewer=viewer, manager=manager)
    street = selectors.board_street(division)
    form = form or PostForm()
    if manager and board is not None:
        office = viewer.unit.name if viewer is not None and viewer.unit else board.office.name
        form.fields["body"].help_text = _("将以%(office)s的名义显示，最多 %(n)d 字。") % {
            "office": office,
            "n": services.OFFICIAL_MAX,
        }
    return render(
        request,
        "participation/boards/board.html",
        {
            "division": division,
            "street": street if street.pk != division.pk else None,
            "communities": (
                Division.objects.filter(parent=division).order_by("code")
                if street.pk == division.pk
                else Division.objects.none()
            ),
            "board": board,
            "page": page,
            "manager": manager,
            "may_post": board is not None and _may_post(viewer, board),
            "form": form,
            "policy_url": reverse("consultations:policy"),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def board(request: HttpRequest, code: str) -> HttpResponse:
    division = selectors.board_division(code=code)
    if request.method == "GET":
        return _board_render(request, division)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('identity:signin')}?next={request.path}")
    form = PostForm(request.POST)
    form.is_valid()
    try:
        opened = services.board_for(division)
        services.post_create(
            board=opened,
            author=request.user,
            body=form.cleaned_data.get("body", ""),
        )
    except OUT_OF_SCOPE:
        raise
    except DomainError as error:
        form.add_error("body", error.message)
        return _board_render(request, division, form=form, status=400)
    messages.success(request, _("已发布。"))
    return redirect("boards:board", division.code)


def _thread_render(
    request: HttpRequest,
    post_id: int,
    *,
    error_for: int | None = None,
    error: str = "",
    reply_error: str = "",
    reply_text: str = "",
    convert_form: ConvertForm | None = None,
    hide_form: HideForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = _viewer(request)
    thread = selectors.thread_get(post_id=post_id)
    manager = viewer is not None and selectors.board_manageable(actor=viewer, board=thread.board)
    selectors.posts_present([thread], viewer=viewer, manager=manager)
    categories = []
    if manager:
        categories = [(c.code, f"{c.code} {c.name}") for c in selectors.ticket_categories()]
    return render(
        request,
        "participation/boards/thread.html",
        {
            "thread": thread,
            "board": thread.board,
            "manager": manager,
            "may_post": _may_post(viewer, thread.board) and not thread.is_hidden,
            "policy_url": reverse("consultations:policy"),
            "error_for": error_for,
            "error": error,
            "reply_error": reply_error,
            "reply_text": reply_text,
            "categories": categories,
            "reasons": HideForm().fields["reason"].choices,  # type: ignore[attr-defined]
            "convert_form": convert_form,
            "hide_form": hide_form,
            "default_address": services.board_address(thread.board.division),
        },
        status=status,
    )


@require_safe
def post(request: HttpRequest, post_id: int) -> HttpResponse:
    return _thread_render(request, post_id)


@login_required
@require_POST
def reply(request: HttpRequest, post_id: int) -> HttpResponse:
    target = selectors.post_get(post_id=post_id)
    text = request.POST.get("body", "")
    try:
        created = services.post_create(
            board=target.board,
            author=request.user,  # type: ignore[arg-type]
            body=text,
            parent=target,
        )
    except OUT_OF_SCOPE:
        raise
    except DomainError as error:
        return _thread_render(
            request, post_id, reply_error=error.message, reply_text=text, status=400
        )
    messages.success(request, _("已回复。"))
    return redirect(reverse("boards:post", args=[created.parent_id]) + f"#post-{created.pk}")


def _managed(request: HttpRequest, post_id: int) -> tuple[Account, BoardPost]:
    actor: Account = request.user  # type: ignore[assignment]
    return actor, selectors.post_for_manager(actor=actor, post_id=post_id)


@staff_required
@require_POST
def hide(request: HttpRequest, post_id: int) -> HttpResponse:
    actor, target = _managed(request, post_id)
    form = HideForm(request.POST)
    try:
        if not form.is_valid():
            raise DomainError(_("请选择隐藏原因"))
        services.post_hide(
            post=target,
            by=actor,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
        )
    except OUT_OF_SCOPE:
        raise
    except DomainError as error:
        return _thread_render(
            request, post_id, error_for=target.pk, error=error.message, hide_form=form, status=400
        )
    messages.success(request, _("已隐藏，发布人已收到通知。"))
    return redirect(reverse("boards:post", args=[target.pk]) + f"#post-{target.pk}")


@staff_required
@require_POST
def restore(request: HttpRequest, post_id: int) -> HttpResponse:
    actor, target = _managed(request, post_id)
    try:
        services.post_restore(post=target, by=actor)
    except OUT_OF_SCOPE:
        raise
    except DomainError as error:
        return _thread_render(
            request, post_id, error_for=target.pk, error=error.message, status=400
        )
    messages.success(request, _("已恢复显示。"))
    return redirect(reverse("boards:post", args=[target.pk]) + f"#post-{target.pk}")


@staff_required
@require_POST
def convert(request: HttpRequest, post_id: int) -> HttpResponse:
    """转为工单: one button on the board (the hotline classifies and routes), or the thread
    page's form with a chosen category and address."""
    actor, target = _managed(request, post_id)
    categories = [(c.code, c.code) for c in selectors.ticket_categories()]
    form = ConvertForm(request.POST, categories=categories)
    try:
        if not form.is_valid():
            raise DomainError(_("请检查诉求分类和地址"))
        ticket = services.post_to_ticket(
            post=target,
            by=actor,
            category_code=form.cleaned_data["category"],
            address=form.cleaned_data["address"],
        )
    except OUT_OF_SCOPE:
        raise
    except DomainError as error:
        return _thread_render(
            request,
            post_id,
            error_for=target.pk,
            error=error.message,
            convert_form=form,
            status=400,
        )
    messages.success(
        request,
        _("已转为12345工单 %(number)s，发布人已收到通知。") % {"number": ticket.tracking_number},
    )
    return redirect(reverse("boards:post", args=[target.pk]) + f"#post-{target.pk}")


@staff_required
@require_safe
def manage(request: HttpRequest) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    boards = list(selectors.boards_managed(actor=actor))
    waiting = selectors.posts_waiting(actor=actor)
    for item in waiting:
        item.shown_as = selectors.shown_name(item)  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "boards": boards,
        "unopened": selectors.divisions_unopened(actor=actor),
        "waiting": waiting,
    }
    return render(request, "participation/boards/manage.html", context)
