"""Community boards (社区微博): boards per street and community, posting rules, masking,
flooding, moderation (hidden with a reason, never deleted, the author told) and scope."""

from dataclasses import dataclass

import pytest

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.core.models import AuditEntry
from cityhall.geo.models import Division
from cityhall.hotline.tests import factories as hf
from cityhall.identity.models import Account, OrgUnit
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation.boards import selectors, services
from cityhall.participation.models import Board, BoardPost, HideReason

pytestmark = pytest.mark.django_db

STREET, OTHER_STREET = hf.STREET, hf.OTHER_STREET  # 赤岗街道, 新港街道 (海珠区)


@dataclass
class BoardCity:
    hc: hf.HotlineCity
    community: Division
    street: Division
    board: Board  # the resident's community board
    publisher: Account  # the street office's publisher
    other_publisher: Account  # another street's
    district_publisher: Account
    officer: Account  # a handling officer of the street office: no board rights
    resident: Account  # 陈小明, lives in the community
    neighbour: Account


def board_city() -> BoardCity:
    """The hotline's small city, publishers at the two streets and the district, two residents."""
    hc = hf.hotline_city()
    community = f.community(STREET)
    return BoardCity(
        hc=hc,
        community=community,
        street=Division.objects.get(code=STREET),
        board=services.board_for(community),
        publisher=f.staff(unit=hc.street_office, roles=[Role.PUBLISHER]),
        other_publisher=f.staff(unit=hc.other_street_office, roles=[Role.PUBLISHER]),
        district_publisher=f.staff(
            unit=hf.unit("440105-ZS", kind="department_branch"), roles=[Role.PUBLISHER]
        ),
        officer=hc.street_officer,
        resident=hc.citizen,
        neighbour=f.citizen(home=community, name="李华"),
    )


@pytest.fixture
def city() -> BoardCity:
    return board_city()


def test_boards_per_street_and_community_run_by_the_street_office(city):
    street_board = services.board_for(city.street)
    assert street_board.name == f"{city.street.name}社区微博"
    assert street_board.office == city.hc.street_office  # the street office, not its -FW centre
    assert city.board.division == city.community
    assert city.board.office == city.hc.street_office  # a community is served by its street
    expected = (
        f"{city.community.name}微博"
        if city.community.name.endswith("社区")
        else f"{city.community.name}社区微博"
    )
    assert city.board.name == expected
    # Once per place.
    assert services.board_for(city.community).pk == city.board.pk
    assert Board.objects.filter(division=city.community).count() == 1


def test_a_community_with_its_own_unit_is_served_by_it(city):
    other = f.community(STREET, 7)
    own = OrgUnit.objects.create(
        code=f"{other.code}-SQ",
        name="第七社区居委会",
        kind="street_office",
        level="street",
        division=other,
    )
    assert services.board_for(other).office == own


def test_only_streets_and_communities_with_an_office_have_boards(city):
    with pytest.raises(DomainError):
        services.board_for(Division.objects.get(code="440105"))
    lonely = Division.objects.filter(level="street").exclude(units__isnull=False).first()
    assert lonely is not None
    with pytest.raises(DomainError) as error:
        services.board_for(lonely)
    assert error.value.code == "no_office"
    assert not Board.objects.filter(division=lonely).exists()


def test_residents_post_under_a_masked_name_and_the_office_as_the_office(city):
    post = services.post_create(board=city.board, author=city.resident, body="  楼下噪音扰民  ")
    assert (post.official, post.body) == (False, "楼下噪音扰民")
    assert selectors.shown_name(post) == "陈*明" != city.resident.real_name
    notice = services.post_create(board=city.board, author=city.publisher, body="停水通知")
    assert notice.official
    assert selectors.shown_name(notice) == city.hc.street_office.name
    assert city.publisher.real_name not in selectors.shown_name(notice)
    # The district's publisher covers the street's boards too.
    assert services.post_create(board=city.board, author=city.district_publisher, body="区通知")


def test_a_reply_to_a_reply_joins_the_thread_of_its_top_post(city):
    top = services.post_create(board=city.board, author=city.resident, body="路面积水")
    answer = services.post_create(
        board=city.board, author=city.publisher, body="已安排清理", parent=top
    )
    again = services.post_create(
        board=city.board, author=city.neighbour, body="我家门口也是", parent=answer
    )
    assert answer.parent_id == top.pk and again.parent_id == top.pk
    # The office's answer to a resident's post tells the resident.
    told = Message.objects.get(recipient=city.resident, template="board_answered")
    assert city.hc.street_office.name in told.subject
    assert told.link.endswith(f"#post-{answer.pk}")


def test_replies_on_another_board_or_to_hidden_posts_are_refused(city):
    street_board = services.board_for(city.street)
    top = services.post_create(board=city.board, author=city.resident, body="路面积水")
    with pytest.raises(NotFoundError):
        services.post_create(board=street_board, author=city.neighbour, body="同上", parent=top)
    services.post_hide(post=top, by=city.publisher, reason=HideReason.OFF_TOPIC)
    with pytest.raises(DomainError) as error:
        services.post_create(board=city.board, author=city.neighbour, body="同上", parent=top)
    assert error.value.code == "hidden"
    assert BoardPost.objects.filter(parent=top).count() == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "required"), ("   \n ", "required"), ("长" * 1001, "too_long"), ("坏\x00了", None)],
)
def test_empty_overlong_or_control_text_is_refused_and_nothing_written(city, body, code):
    with pytest.raises(DomainError) as error:
        services.post_create(board=city.board, author=city.resident, body=body)
    if code:
        assert error.value.code == code
    assert not BoardPost.objects.exists()
    assert services.post_create(board=city.board, author=city.resident, body="长" * 1000)


def test_script_is_stored_as_typed(city):
    body = '<script>alert("x")</script>'
    assert services.post_create(board=city.board, author=city.resident, body=body).body == body


def test_flooding_is_refused_per_account_and_nothing_written(city):
    for n in range(5):
        services.post_create(board=city.board, author=city.resident, body=f"第{n}条")
    with pytest.raises(DomainError) as error:
        services.post_create(board=city.board, author=city.resident, body="第六条")
    assert error.value.code == "rate_limited"
    assert BoardPost.objects.filter(author=city.resident).count() == 5
    # Another resident is not held back; nor is the office.
    assert services.post_create(board=city.board, author=city.neighbour, body="我也说一句")
    for n in range(7):
        services.post_create(board=city.board, author=city.publisher, body=f"通知{n}")


def test_who_may_post_officially(city):
    for outsider in (city.other_publisher, city.officer):
        with pytest.raises(PermissionDeniedError):
            services.post_create(board=city.board, author=outsider, body="越界发布")
    assert not BoardPost.objects.exists()
    assert selectors.board_manageable(actor=city.publisher, board=city.board)
    assert selectors.board_manageable(actor=city.district_publisher, board=city.board)
    assert not selectors.board_manageable(actor=city.other_publisher, board=city.board)
    assert not selectors.board_manageable(actor=city.resident, board=city.board)


def test_hiding_keeps_the_text_tells_the_author_and_is_audited(city):
    post = services.post_create(board=city.board, author=city.resident, body="某某的电话是138…")
    services.post_hide(
        post=post, by=city.publisher, reason=HideReason.PERSONAL_DATA, note="含他人电话"
    )
    post.refresh_from_db()
    assert post.is_hidden and post.body == "某某的电话是138…"  # hidden, not deleted
    assert (post.hidden_reason, post.hidden_note, post.hidden_by) == (
        HideReason.PERSONAL_DATA,
        "含他人电话",
        city.publisher,
    )
    told = Message.objects.get(recipient=city.resident, template="board_hidden")
    assert "含他人个人信息" in told.body and "含他人电话" in told.body
    assert "/consultations/policy/" in told.body
    entry = AuditEntry.objects.get(event=services.EVENT_HIDDEN)
    assert (entry.actor, entry.subject_id) == (city.publisher, str(post.pk))
    assert entry.detail["reason"] == HideReason.PERSONAL_DATA
    with pytest.raises(DomainError):  # twice
        services.post_hide(post=post, by=city.publisher, reason=HideReason.ABUSE)

    services.post_restore(post=post, by=city.publisher)
    post.refresh_from_db()
    assert not post.is_hidden and post.hidden_by is None
    assert Message.objects.filter(recipient=city.resident, template="board_restored").exists()
    assert AuditEntry.objects.filter(event=services.EVENT_RESTORED).count() == 1
    with pytest.raises(DomainError):
        services.post_restore(post=post, by=city.publisher)


def test_hiding_needs_a_policy_reason_the_office_and_a_residents_post(city):
    post = services.post_create(board=city.board, author=city.resident, body="广告广告")
    with pytest.raises(DomainError):
        services.post_hide(post=post, by=city.publisher, reason="i_dont_like_it")
    for outsider in (city.other_publisher, city.officer, city.neighbour):
        with pytest.raises(PermissionDeniedError):
            services.post_hide(post=post, by=outsider, reason=HideReason.ADVERTISING)
    notice = services.post_create(board=city.board, author=city.publisher, body="通知")
    with pytest.raises(DomainError):
        services.post_hide(post=notice, by=city.publisher, reason=HideReason.OFF_TOPIC)
    post.refresh_from_db()
    assert not post.is_hidden
    assert not AuditEntry.objects.filter(event=services.EVENT_HIDDEN).exists()


def test_posts_for_a_manager_are_scoped_to_their_area(city):
    post = services.post_create(board=city.board, author=city.resident, body="路灯不亮")
    assert selectors.post_for_manager(actor=city.publisher, post_id=post.pk) == post
    assert selectors.post_for_manager(actor=city.district_publisher, post_id=post.pk) == post
    with pytest.raises(NotFoundError):
        selectors.post_for_manager(actor=city.other_publisher, post_id=post.pk)
    with pytest.raises(PermissionDeniedError):
        selectors.post_for_manager(actor=city.officer, post_id=post.pk)


def test_index_shows_boards_with_posts_and_the_residents_own(city):
    # Nothing posted yet: anonymous visitors see nothing; the resident sees their two boards.
    assert selectors.boards_index(viewer=None) == []
    mine = selectors.boards_index(viewer=city.resident)
    [district] = mine
    [street] = district.streets
    assert street.street.division == city.street and street.street.mine
    assert [c.division for c in street.communities] == [city.community]
    assert street.street.board is None  # not opened until someone posts there
    # Another street's board with a post shows for everyone, under its district.
    other_board = services.board_for(Division.objects.get(code=OTHER_STREET))
    services.post_create(board=other_board, author=city.other_publisher, body="新港通知")
    [district] = selectors.boards_index(viewer=None)
    assert [s.street.division.code for s in district.streets] == [OTHER_STREET]
    assert district.streets[0].street.thread_count == 1
    # Hidden posts do not count.
    post = services.post_create(board=city.board, author=city.resident, body="离题")
    services.post_hide(post=post, by=city.publisher, reason=HideReason.OFF_TOPIC)
    assert [s.street.division.code for s in selectors.boards_index(viewer=None)[0].streets] == [
        OTHER_STREET
    ]
