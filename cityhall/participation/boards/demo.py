"""Demo community boards: the demo citizens' street and community boards, with an official
notice, residents' posts and replies, and one post turned into a 12345 ticket.

Idempotent: a post is looked up by board, author and text before it is written, so a second run
finds everything and creates nothing.
"""

from django.db import transaction

from cityhall.core.errors import DomainError
from cityhall.geo.models import Division
from cityhall.geo.selectors import scope_prefix
from cityhall.identity.models import Account, AccountKind, UnitKind
from cityhall.identity.roles import Role
from cityhall.participation.boards import services
from cityhall.participation.boards.selectors import board_street
from cityhall.participation.models import Board, BoardPost

STREET_NOTICE = (
    "【通知】本周六上午9:00—11:30在街道文化站开展免费义诊和防诈骗宣传活动，"
    "欢迎辖区居民参加。活动期间文化站门前道路临时限行，请绕行。"
)
NOTICE_QUESTION = "请问义诊需要带身份证或者社保卡吗？老人家可以由子女代为预约吗？"
NOTICE_ANSWER = "需要携带身份证或社保卡，现场登记即可，无需预约；行动不便的老人可由家属陪同。"
COMMUNITY_NOTICE = (
    "【停水通知】下周二9:00—15:00清洗小区二次供水水箱，期间暂停供水，请提前储水。"
    "如有特殊困难请联系社区居委会。"
)
STREET_LIGHT = "小区东门外人行道的路灯已经坏了一个多星期，晚上一片漆黑，行人出门很不安全。"
SUGGESTION = "建议在小区门口增设非机动车停放点，现在电动车乱停乱放，堵住了消防通道。"
SUGGESTION_ANSWER = (
    "感谢您的建议。我们已联系物业服务企业实地查看，计划在东门外空地规划非机动车停放区，"
    "施工前会在本微博公告。"
)
SUGGESTION_FOLLOWUP = "支持！顺便建议加装充电桩，避免电动车上楼充电。"


def _manager_for(board: Board) -> Account | None:
    """The demo publisher who runs the board: its office's, else the nearest one above it."""
    publishers = Account.objects.filter(
        kind=AccountKind.STAFF, is_active=True, roles__role=Role.PUBLISHER
    ).select_related("unit__division")
    own = publishers.filter(unit=board.office).order_by("username").first()
    if own is not None:
        return own
    covering = [
        p
        for p in publishers
        if p.unit is not None and board.division.code.startswith(scope_prefix(p.unit.division))
    ]
    covering.sort(key=lambda p: (-len(scope_prefix(p.unit.division)), p.username))  # type: ignore[union-attr]
    return covering[0] if covering else None


def _post(
    board: Board, author: Account, body: str, parent: BoardPost | None = None
) -> tuple[BoardPost, int]:
    found = BoardPost.objects.filter(board=board, author=author, body=body).first()
    if found is not None:
        return found, 0
    return services.post_create(board=board, author=author, body=body, parent=parent), 1


def _places(citizens: list[Account]) -> list[tuple[Division, list[Account]]]:
    """The first two communities where demo citizens live, with (up to three of) their residents:
    streets whose office has a publisher of its own first, so the office answers as itself."""
    staffed = Account.objects.filter(
        kind=AccountKind.STAFF, roles__role=Role.PUBLISHER, unit__kind=UnitKind.STREET_OFFICE
    ).values("unit__division_id")
    ids = [c.pk for c in citizens]
    people = Account.objects.filter(pk__in=ids, home_division__parent__isnull=False)
    people = people.select_related("home_division__parent").order_by("pk")
    by_home: dict[int, tuple[Division, list[Account]]] = {}
    for group in (people.filter(home_division__parent_id__in=staffed), people):
        for citizen in group.iterator():
            home = citizen.home_division
            if home is None or (home.pk not in by_home and len(by_home) == 2):
                continue
            entry = by_home.setdefault(home.pk, (home, []))
            if len(entry[1]) < 3 and citizen not in entry[1]:
                entry[1].append(citizen)
            if len(by_home) == 2 and all(len(p) >= 2 for _home, p in by_home.values()):
                return list(by_home.values())
    return list(by_home.values())


def board_demo_build(*, citizens: list[Account]) -> int:
    """Boards for the demo citizens' streets and communities; returns how many posts and tickets
    it wrote."""
    created = 0
    for home, residents in _places(citizens):
        street_board = services.board_for(board_street(home))
        community_board = services.board_for(home)
        manager = _manager_for(community_board)
        first, second = residents[0], residents[-1]
        with transaction.atomic():
            if manager is not None:
                notice, n = _post(street_board, manager, STREET_NOTICE)
                created += n
                created += _post(street_board, first, NOTICE_QUESTION, notice)[1]
                created += _post(street_board, manager, NOTICE_ANSWER, notice)[1]
                created += _post(community_board, manager, COMMUNITY_NOTICE)[1]
            suggestion, n = _post(community_board, second, SUGGESTION)
            created += n
            if manager is not None:
                created += _post(community_board, manager, SUGGESTION_ANSWER, suggestion)[1]
            created += _post(community_board, first, SUGGESTION_FOLLOWUP, suggestion)[1]
            light, n = _post(community_board, first, STREET_LIGHT)
            created += n
        if manager is not None and light.ticket_id is None:
            try:
                services.post_to_ticket(post=light, by=manager)
            except DomainError:
                continue  # no hotline centre in this city yet: the post stays a post
            created += 2  # the ticket and the office's reply naming it
    return created
