"""Reads for community boards (社区微博): which board serves a place, its threads, and what the
office that runs it may manage. Scope is checked here: an office manages the boards of its own
area, and a post outside it does not exist for them."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from cityhall.core import crypto
from cityhall.core.errors import NotFoundError
from cityhall.geo.models import Division, DivisionLevel
from cityhall.geo.selectors import scope_prefix
from cityhall.hotline.models import Category
from cityhall.identity.models import Account, OrgUnit, UnitKind
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can, require_capability
from cityhall.participation.models import Board, BoardPost

BOARD_LEVELS = (DivisionLevel.STREET, DivisionLevel.COMMUNITY)


def board_division(*, code: str) -> Division:
    """The street or community a board address names, with its parents; else NotFoundError."""
    division = (
        Division.objects.select_related("parent__parent__parent")
        .filter(code=code[:12], level__in=BOARD_LEVELS)
        .first()
    )
    if division is None:
        raise NotFoundError(_("没有这个社区或街道的社区微博"))
    return division


def board_street(division: Division) -> Division:
    """The street a board's division belongs to (itself for a street)."""
    if division.level == DivisionLevel.COMMUNITY and division.parent is not None:
        return division.parent
    return division


def board_office_for(division: Division) -> OrgUnit | None:
    """The office serving a street or community: a unit of the community's own if it has one,
    else its street's office (the street office before any other unit of that street)."""
    for place in dict.fromkeys([division, board_street(division)]):
        units = OrgUnit.objects.filter(division=place, is_active=True)
        found = units.filter(kind=UnitKind.STREET_OFFICE).order_by("code").first()
        found = found or units.order_by("code").first()
        if found is not None:
            return found
    return None


def board_name(division: Division) -> str:
    """E.g. 赤岗街道社区微博, 滨江社区微博."""
    # A proper name kept as data (like the division's own name), so it is built, not translated.
    if division.level == DivisionLevel.COMMUNITY and division.name.endswith("社区"):
        return f"{division.name}微博"
    return f"{division.name}社区微博"


def board_at(division: Division) -> Board | None:
    return Board.objects.select_related("office", "division").filter(division=division).first()


def board_manageable(*, actor: Account, board: Board) -> bool:
    """Whether the actor runs this board: a publisher of its office, or of a unit whose area
    covers it (the district or the city above)."""
    if not actor.is_authenticated or actor.unit is None:
        return False
    if not account_can(actor, Capability.PARTICIPATION_MANAGE):
        return False
    if actor.unit_id == board.office_id:
        return True
    return board.division.code.startswith(scope_prefix(actor.unit.division))


def _scope(actor: Account) -> Q:
    prefix = require_capability(actor, Capability.PARTICIPATION_MANAGE)
    return Q(office=actor.unit) | Q(division__code__startswith=prefix)


def boards_managed(*, actor: Account) -> QuerySet[Board]:
    """The boards the actor's unit runs or covers, with their counts of visible threads."""
    return (
        Board.objects.filter(_scope(actor))
        .select_related("division", "office")
        .annotate(
            thread_count=Count(
                "posts", filter=Q(posts__parent__isnull=True, posts__hidden_reason="")
            )
        )
        .order_by("division__code")
    )


def divisions_unopened(*, actor: Account) -> list[Division]:
    """The street (and its communities) of a street-level publisher that have no board yet."""
    require_capability(actor, Capability.PARTICIPATION_MANAGE)
    own = actor.unit.division if actor.unit is not None else None
    if own is None or own.level not in BOARD_LEVELS:
        return []
    return list(
        Division.objects.filter(Q(pk=own.pk) | Q(parent=own), level__in=BOARD_LEVELS)
        .exclude(pk__in=Board.objects.values("division_id"))
        .order_by("code")
    )


def _thread_parts() -> tuple[str, ...]:
    return ("author__unit", "board__office", "board__division", "ticket", "parent")


def posts_waiting(*, actor: Account, limit: int = 20) -> list[BoardPost]:
    """Residents' recent posts on the actor's boards that are neither hidden nor converted."""
    boards = Board.objects.filter(_scope(actor))
    return list(
        BoardPost.objects.filter(
            board__in=boards, official=False, hidden_reason="", ticket__isnull=True
        )
        .select_related(*_thread_parts())
        .order_by("-created_at", "-id")[:limit]
    )


def threads_of(*, board: Board) -> QuerySet[BoardPost]:
    """A board's top posts, newest first, each with its replies (oldest first) prefetched."""
    replies = BoardPost.objects.select_related(*_thread_parts()).order_by("created_at", "id")
    return (
        BoardPost.objects.filter(board=board, parent__isnull=True)
        .select_related(*_thread_parts())
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("-created_at", "-id")
    )


def post_get(*, post_id: int) -> BoardPost:
    """One post (hidden ones too: they show as a placeholder)."""
    found = BoardPost.objects.select_related(*_thread_parts()).filter(pk=post_id).first()
    if found is None:
        raise NotFoundError(_("没有这条内容"))
    return found


def thread_get(*, post_id: int) -> BoardPost:
    """The thread a post belongs to: its top post, with the replies prefetched."""
    post = post_get(post_id=post_id)
    top_id = post.parent_id or post.pk
    found = BoardPost.objects.filter(pk=top_id)
    thread = (
        found.select_related(*_thread_parts())
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=BoardPost.objects.select_related(*_thread_parts()).order_by(
                    "created_at", "id"
                ),
            )
        )
        .get()
    )
    return thread


def post_for_manager(*, actor: Account, post_id: int) -> BoardPost:
    """A post on a board the actor runs; any other post does not exist for them."""
    found = (
        BoardPost.objects.select_related(*_thread_parts())
        .filter(pk=post_id, board__in=Board.objects.filter(_scope(actor)))
        .first()
    )
    if found is None:
        raise NotFoundError(_("没有这条内容"))
    return found


def shown_name(post: BoardPost) -> str:
    """Who a post is shown as: the office for official posts, a masked name for residents."""
    if post.official:
        unit = post.author.unit or post.board.office
        return unit.name
    return crypto.mask_name(post.author.real_name)


def posts_present(posts: list[BoardPost], *, viewer: Account | None, manager: bool) -> None:
    """Mark each post (and its prefetched replies) with how this viewer sees it: the name shown,
    whether its text shows (a hidden post's text shows to its author and the office only) and
    whether the office may convert it."""
    viewer_id = viewer.pk if viewer is not None and viewer.is_authenticated else None
    for post in posts:
        items = [post, *post.replies.all()] if post.parent_id is None else [post]
        for item in items:
            item.shown_as = shown_name(item)  # type: ignore[attr-defined]
            own = viewer_id is not None and item.author_id == viewer_id
            item.is_own = own  # type: ignore[attr-defined]
            item.text_visible = not item.is_hidden or own or manager  # type: ignore[attr-defined]
            item.convertible = manager and post_convertible(item)  # type: ignore[attr-defined]


def post_convertible(post: BoardPost) -> bool:
    """A resident's post that is shown and not yet a ticket may be turned into one."""
    return not post.official and not post.is_hidden and post.ticket_id is None


def ticket_categories() -> QuerySet[Category]:
    """The hotline's categories, for choosing one when converting a post."""
    return Category.objects.filter(is_active=True).order_by("code")


# --- the public index: district → street → communities --------------------------------------


@dataclass
class BoardEntry:
    division: Division
    board: Board | None = None
    thread_count: int = 0
    mine: bool = False

    @property
    def name(self) -> str:
        return self.board.name if self.board is not None else board_name(self.division)


@dataclass
class StreetGroup:
    street: BoardEntry
    communities: list[BoardEntry] = field(default_factory=list)


@dataclass
class DistrictGroup:
    district: Division
    streets: list[StreetGroup] = field(default_factory=list)


def boards_index(*, viewer: Account | None) -> list[DistrictGroup]:
    """Boards with something on them, and the signed-in resident's own community and street
    (whether or not anyone has posted there yet), grouped by district and street."""
    entries: dict[int, BoardEntry] = {}
    active = (
        Board.objects.select_related("division__parent__parent", "office")
        .annotate(
            thread_count=Count(
                "posts", filter=Q(posts__parent__isnull=True, posts__hidden_reason="")
            )
        )
        .filter(thread_count__gt=0)
    )
    for board in active:
        entries[board.division_id] = BoardEntry(
            board.division,
            board,
            board.thread_count,
        )
    if viewer is not None and viewer.is_authenticated and viewer.home_division_id:
        home = Division.objects.select_related("parent__parent__parent").get(
            pk=viewer.home_division_id
        )
        for place in (home, home.parent):
            if place is None or place.level not in BOARD_LEVELS:
                continue
            entry = entries.get(place.pk)
            if entry is None:
                found = board_at(place)
                count = (
                    found.posts.filter(parent__isnull=True, hidden_reason="").count()
                    if found
                    else 0
                )
                entry = entries[place.pk] = BoardEntry(place, found, count)
            entry.mine = True
    streets: dict[int, StreetGroup] = {}
    for entry in entries.values():
        street = board_street(entry.division)
        group = streets.get(street.pk)
        if group is None:
            own = entries.get(street.pk) or BoardEntry(street)
            group = streets[street.pk] = StreetGroup(own)
        if entry.division.pk != street.pk:
            group.communities.append(entry)
    districts: dict[int, DistrictGroup] = {}
    for group in sorted(streets.values(), key=lambda g: g.street.division.code):
        group.communities.sort(key=lambda e: e.division.code)
        district = group.street.division.parent
        if district is None:
            continue
        districts.setdefault(district.pk, DistrictGroup(district)).streets.append(group)
    return sorted(districts.values(), key=lambda d: d.district.code)
