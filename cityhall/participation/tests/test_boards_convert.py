"""转为工单: the office turns a resident's board post into a 12345 ticket in one step."""

import pytest
from django.urls import reverse

from cityhall.core.errors import DomainError, PermissionDeniedError
from cityhall.core.models import AuditEntry
from cityhall.hotline.models import Channel, Status, Ticket
from cityhall.hotline.services import intake
from cityhall.notify.models import Message
from cityhall.participation.boards import services
from cityhall.participation.models import BoardPost, HideReason
from cityhall.participation.tests.test_boards import BoardCity, board_city

pytestmark = pytest.mark.django_db

LIGHT = "小区东门外人行道的路灯坏了一个多星期，晚上一片漆黑，走路看不清"


@pytest.fixture
def city() -> BoardCity:
    return board_city()


@pytest.fixture
def post(city) -> BoardPost:
    return services.post_create(board=city.board, author=city.resident, body=LIGHT)


def test_a_post_becomes_a_routed_ticket_in_one_step(city, post):
    ticket = services.post_to_ticket(post=post, by=city.publisher)
    ticket.refresh_from_db()
    assert ticket.channel == Channel.BOARD
    assert ticket.reporter == city.resident and ticket.reporter_name == city.resident.real_name
    assert ticket.description == LIGHT
    assert ticket.received_by == city.publisher
    # Classified, located from the board's place, routed and dispatched by the hotline.
    assert ticket.category.code == "SZ03"  # 路灯不亮
    assert ticket.community_id == city.community.pk and ticket.street_id == city.street.pk
    assert city.street.name in ticket.address and city.community.name in ticket.address
    assert ticket.routed_unit == city.hc.district_cg
    assert ticket.status == Status.DISPATCHED and ticket.holder == city.hc.district_centre

    post.refresh_from_db()
    assert post.ticket == ticket and post.converted_by == city.publisher
    assert post.converted_at is not None
    # The office's reply in the thread names the ticket and links its public tracking page.
    reply = BoardPost.objects.get(parent=post)
    assert reply.official and reply.author == city.publisher
    number = ticket.tracking_number or ""
    assert number and number in reply.body
    assert reverse("hotline:track", args=[number]) in reply.body
    # The author is told in their inbox, with the number and the tracking link.
    told = Message.objects.get(recipient=city.resident, template="board_converted")
    assert number in told.subject and number in told.body
    assert told.link == reverse("hotline:track", args=[number])
    entry = AuditEntry.objects.get(event=services.EVENT_CONVERTED)
    assert entry.detail["ticket"] == ticket.tracking_number and entry.actor == city.publisher


def test_a_chosen_category_and_address_are_used(city, post):
    ticket = services.post_to_ticket(
        post=post, by=city.publisher, category_code="CG01", address="海珠区赤岗街道东门外"
    )
    assert ticket.category.code == "CG01"
    assert ticket.address == "海珠区赤岗街道东门外"


def test_a_residents_reply_may_be_converted_and_the_answer_joins_its_thread(city, post):
    reply = services.post_create(
        board=city.board,
        author=city.neighbour,
        body="我家楼下的路灯也不亮了，已经三天了",
        parent=post,
    )
    ticket = services.post_to_ticket(post=reply, by=city.publisher)
    assert ticket.reporter == city.neighbour
    answer = BoardPost.objects.filter(parent=post, official=True).get()
    assert ticket.tracking_number and ticket.tracking_number in answer.body


def test_converting_twice_is_refused(city, post):
    services.post_to_ticket(post=post, by=city.publisher)
    with pytest.raises(DomainError) as error:
        services.post_to_ticket(post=post, by=city.district_publisher)
    assert error.value.code == "already_converted"
    assert Ticket.objects.count() == 1
    assert BoardPost.objects.filter(parent=post).count() == 1


def test_hidden_or_official_posts_are_refused(city, post):
    services.post_hide(post=post, by=city.publisher, reason=HideReason.DUPLICATE)
    with pytest.raises(DomainError) as error:
        services.post_to_ticket(post=post, by=city.publisher)
    assert error.value.code == "hidden"
    notice = services.post_create(board=city.board, author=city.publisher, body=LIGHT)
    with pytest.raises(DomainError) as error:
        services.post_to_ticket(post=notice, by=city.publisher)
    assert error.value.code == "official"
    assert not Ticket.objects.exists()


def test_only_the_boards_office_converts(city, post):
    for outsider in (city.other_publisher, city.officer, city.neighbour):
        with pytest.raises(PermissionDeniedError):
            services.post_to_ticket(post=post, by=outsider)
    assert not Ticket.objects.exists()
    post.refresh_from_db()
    assert post.ticket is None


def test_a_ticket_the_hotline_refuses_leaves_nothing_behind(city):
    short = services.post_create(board=city.board, author=city.resident, body="灯坏")
    with pytest.raises(DomainError) as error:
        services.post_to_ticket(post=short, by=city.publisher)
    assert error.value.code == "text_too_short"
    _assert_untouched(short, city)


def test_a_failure_after_the_ticket_is_written_rolls_it_back(city, post, monkeypatch):
    created: list[Ticket] = []
    real = intake.ticket_create

    def ticket_create_then_fail(*, draft):
        created.append(real(draft=draft))
        raise RuntimeError("the link could not be written")

    monkeypatch.setattr(intake, "ticket_create", ticket_create_then_fail)
    with pytest.raises(RuntimeError):
        services.post_to_ticket(post=post, by=city.publisher)
    assert created  # a ticket was written, then rolled back with everything else
    _assert_untouched(post, city)


def test_a_failing_message_rolls_back_ticket_and_link(city, post, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("inbox down")

    monkeypatch.setattr(services, "message_send", broken)
    with pytest.raises(RuntimeError):
        services.post_to_ticket(post=post, by=city.publisher)
    _assert_untouched(post, city)


def _assert_untouched(post: BoardPost, city: BoardCity) -> None:
    assert not Ticket.objects.exists()
    post.refresh_from_db()
    assert post.ticket is None and post.converted_by is None and post.converted_at is None
    assert not BoardPost.objects.filter(parent=post).exists()
    assert not Message.objects.filter(
        recipient=city.resident, template__in=["board_converted", "hotline_received"]
    ).exists()
    assert not AuditEntry.objects.filter(event=services.EVENT_CONVERTED).exists()
