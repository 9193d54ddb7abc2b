"""Writes for community boards (社区微博): opening a board, posting and replying, moderation,
and turning a resident's post into a 12345 ticket (转为工单) in one step."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.audit import audit_record
from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.core.links import public_url
from cityhall.geo.models import Division, DivisionLevel
from cityhall.geo.selectors import division_ancestors
from cityhall.hotline.models import Channel, Ticket
from cityhall.hotline.services import intake
from cityhall.identity.models import Account
from cityhall.notify.services import message_send
from cityhall.participation.abuse import flood_check, flood_count, text_clean
from cityhall.participation.boards import selectors
from cityhall.participation.models import Board, BoardPost, HideReason

RESIDENT_MAX, OFFICIAL_MAX, NOTE_MAX = 1000, 3000, 300
FLOOD_ACTION = "post"
EVENT_HIDDEN = "participation.board_post_hidden"
EVENT_RESTORED = "participation.board_post_restored"
EVENT_CONVERTED = "participation.board_post_converted"


def board_for(division: Division) -> Board:
    """The board of a street or community, opened on first use and run by the office serving it."""
    if division.level not in selectors.BOARD_LEVELS:
        raise DomainError(_("只有街道和社区设有社区微博"), code="board_level")
    found = selectors.board_at(division)
    if found is not None:
        return found
    office = selectors.board_office_for(division)
    if office is None:
        raise DomainError(
            _("%(place)s尚未设置服务单位，暂不能开设社区微博") % {"place": division.name},
            code="no_office",
        )
    board, _created = Board.objects.get_or_create(
        division=division, defaults={"office": office, "name": selectors.board_name(division)}
    )
    return board


def board_address(division: Division) -> str:
    """The place a board serves written out from the district down (e.g. 海珠区赤岗街道滨江社区),
    which the hotline matches to its community, street and district."""
    chain = [d for d in division_ancestors(division) if d.level != DivisionLevel.CITY]
    return "".join(d.name for d in [*chain, division])


def _thread_link(post: BoardPost) -> str:
    top_id = post.parent_id or post.pk
    return reverse("boards:post", args=[top_id]) + f"#post-{post.pk}"


def post_create(
    *, board: Board, author: Account, body: str, parent: BoardPost | None = None
) -> BoardPost:
    """A post or a reply: the office's staff write as the office, residents under a masked name.
    A reply to a reply joins the thread of its top post."""
    if author.is_citizen:
        flood_check(author, FLOOD_ACTION)
        official, limit = False, RESIDENT_MAX
    elif selectors.board_manageable(actor=author, board=board):
        official, limit = True, OFFICIAL_MAX
    else:
        raise PermissionDeniedError(_("只有本社区微博的管理单位可以官方发布"))
    text = text_clean(body, label=_("内容"), limit=limit)
    if parent is not None:
        if parent.board_id != board.pk:
            raise NotFoundError(_("没有这条内容"))
        if parent.parent_id is not None:
            parent = BoardPost.objects.select_related("author").get(pk=parent.parent_id)
        if parent.is_hidden:
            raise DomainError(_("这条内容已被隐藏，不能回复"), code="hidden")
    with transaction.atomic():
        post = BoardPost.objects.create(
            board=board, parent=parent, author=author, official=official, body=text
        )
        if official and parent is not None and not parent.official:
            message_send(
                recipient=parent.author,
                template="board_answered",
                context={"board": board, "office": selectors.shown_name(post)},
                link=_thread_link(post),
            )
    if not official:
        flood_count(author, FLOOD_ACTION)
    return post


def _require_manager(actor: Account, post: BoardPost) -> None:
    if not selectors.board_manageable(actor=actor, board=post.board):
        raise PermissionDeniedError(_("只有本社区微博的管理单位可以处理"))


def post_hide(*, post: BoardPost, by: Account, reason: str, note: str = "") -> BoardPost:
    """Hide a resident's post for a reason of the published policy (never deleted); the author
    is told why."""
    _require_manager(by, post)
    if reason not in HideReason.values:
        raise DomainError(_("请选择隐藏原因"), code="reason")
    if post.official:
        raise DomainError(_("官方发布的内容不适用隐藏"), code="official")
    note = text_clean(note, label=_("说明"), limit=NOTE_MAX, required=False)
    with transaction.atomic():
        locked = BoardPost.objects.select_for_update().get(pk=post.pk)
        if locked.is_hidden:
            raise DomainError(_("这条内容已被隐藏"), code="already_hidden")
        post.hidden_reason, post.hidden_note = reason, note
        post.hidden_by, post.hidden_at = by, timezone.now()
        post.save(update_fields=["hidden_reason", "hidden_note", "hidden_by", "hidden_at"])
        audit_record(
            event=EVENT_HIDDEN,
            actor=by,
            subject_type="board_post",
            subject_id=post.pk,
            detail={"board": post.board_id, "reason": reason, "note": note},
        )
        message_send(
            recipient=post.author,
            template="board_hidden",
            context={
                "board": post.board,
                "reason": HideReason(reason).label,
                "note": note,
                "policy_url": public_url(reverse("consultations:policy")),
            },
            link=_thread_link(post),
        )
    return post


def post_restore(*, post: BoardPost, by: Account) -> BoardPost:
    """Show a hidden post again; the author is told."""
    _require_manager(by, post)
    with transaction.atomic():
        locked = BoardPost.objects.select_for_update().get(pk=post.pk)
        if not locked.is_hidden:
            raise DomainError(_("这条内容没有被隐藏"), code="not_hidden")
        reason = locked.hidden_reason
        post.hidden_reason, post.hidden_note, post.hidden_by, post.hidden_at = "", "", None, None
        post.save(update_fields=["hidden_reason", "hidden_note", "hidden_by", "hidden_at"])
        audit_record(
            event=EVENT_RESTORED,
            actor=by,
            subject_type="board_post",
            subject_id=post.pk,
            detail={"board": post.board_id, "was": reason},
        )
        message_send(
            recipient=post.author,
            template="board_restored",
            context={"board": post.board},
            link=_thread_link(post),
        )
    return post


def post_to_ticket(
    *, post: BoardPost, by: Account, category_code: str = "", address: str = ""
) -> Ticket:
    """Turn a resident's post into a 12345 ticket in one step: the hotline classifies, routes
    and dispatches it; the post links to it, the office replies with its number and the author
    is told. All of it commits together or none of it does."""
    _require_manager(by, post)
    board = post.board
    with transaction.atomic():
        locked = BoardPost.objects.select_for_update().get(pk=post.pk)
        if locked.official:
            raise DomainError(_("官方发布的内容不能转为工单"), code="official")
        if locked.is_hidden:
            raise DomainError(_("已隐藏的内容不能转为工单"), code="hidden")
        if locked.ticket_id is not None:
            raise DomainError(_("这条内容已转为工单，不能重复转办"), code="already_converted")
        ticket = intake.ticket_create(
            draft=intake.TicketDraft(
                description=locked.body,
                channel=Channel.BOARD,
                category_code=category_code,
                address=address.strip() or board_address(board.division),
                reporter=post.author,
                received_by=by,
            )
        )
        now = timezone.now()
        BoardPost.objects.filter(pk=post.pk).update(
            ticket=ticket, converted_by=by, converted_at=now
        )
        post.ticket, post.converted_by, post.converted_at = ticket, by, now
        track_path = reverse("hotline:track", args=[ticket.tracking_number])
        track_url = public_url(track_path)
        BoardPost.objects.create(
            board=board,
            parent_id=post.parent_id or post.pk,
            author=by,
            official=True,
            body=_(
                "您反映的问题已转为12345热线工单（编号 %(number)s），"
                "将由承办单位按时限办理。办理进度可凭编号查询：\n%(url)s"
            )
            % {"number": ticket.tracking_number, "url": track_url},
        )
        message_send(
            recipient=post.author,
            template="board_converted",
            context={
                "board": board,
                "office": (by.unit or board.office).name,
                "number": ticket.tracking_number,
                "track_url": track_url,
            },
            link=track_path,
        )
        audit_record(
            event=EVENT_CONVERTED,
            actor=by,
            subject_type="board_post",
            subject_id=post.pk,
            detail={"board": board.pk, "ticket": ticket.tracking_number},
        )
    return ticket
