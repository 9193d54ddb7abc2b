"""Community board pages: what residents, the office and outsiders see and may do."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cityhall.hotline.models import Channel, Ticket
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation.boards import services
from cityhall.participation.models import Board, BoardPost, HideReason
from cityhall.participation.tests.test_boards import OTHER_STREET, BoardCity, board_city

pytestmark = pytest.mark.django_db

LIGHT = "小区东门外人行道的路灯坏了一个多星期，晚上一片漆黑，走路看不清"


@pytest.fixture
def city() -> BoardCity:
    return board_city()


def _board_url(city: BoardCity) -> str:
    return reverse("boards:board", args=[city.community.code])


def _text(response) -> str:
    return response.content.decode()


def test_index_lists_boards_with_posts_and_the_residents_own(client, city):
    services.post_create(board=city.board, author=city.resident, body="你好")
    page = _text(client.get(reverse("boards:index")))
    assert city.board.name in page and city.street.name in page
    assert "我所在的社区" not in page
    resident = f.signed_in(client, city.neighbour)
    page = _text(resident.get(reverse("boards:index")))
    assert "我所在的社区" in page and "我所在的街道" in page


def test_a_board_page_for_a_place_without_a_board_opens_nothing(client, city):
    code = f.community(OTHER_STREET).code
    response = client.get(reverse("boards:board", args=[code]))
    assert response.status_code == 200
    assert "还没有发言" in _text(response)
    assert not Board.objects.filter(division__code=code).exists()
    for missing in ("440105", "440105999999", "abc"):
        assert client.get(reverse("boards:board", args=[missing])).status_code == 404


def test_a_resident_posts_and_others_see_a_masked_name_and_escaped_text(client, city):
    f.signed_in(client, city.resident)
    body = '路灯坏了<script>alert("x")</script>'
    response = client.post(_board_url(city), {"body": body})
    assert response.status_code == 302
    post = BoardPost.objects.get()
    assert (post.author, post.official, post.body) == (city.resident, False, body)
    client.logout()
    page = _text(client.get(_board_url(city)))
    assert "陈*明" in page and city.resident.real_name not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<script>alert("x")' not in page


def test_the_office_posts_as_the_office(client, city):
    f.signed_in(client, city.publisher)
    response = client.post(_board_url(city), {"body": "周六停水通知"})
    assert response.status_code == 302
    assert BoardPost.objects.get().official
    client.logout()
    page = _text(client.get(_board_url(city)))
    assert city.hc.street_office.name in page and "官方" in page
    assert city.publisher.real_name not in page


def test_bad_text_and_flooding_are_clear_errors_that_keep_the_text(client, city):
    f.signed_in(client, city.resident)
    response = client.post(_board_url(city), {"body": "  "})
    assert response.status_code == 400
    assert re.search(r'role="alert">请填写内容', _text(response))
    long = "长" * 1001
    response = client.post(_board_url(city), {"body": long})
    assert response.status_code == 400 and long in _text(response)
    assert "不能超过 1000 个字" in _text(response)
    for n in range(5):
        assert client.post(_board_url(city), {"body": f"第{n}条"}).status_code == 302
    response = client.post(_board_url(city), {"body": "第六条想说的话"})
    assert response.status_code == 400
    assert "提交过于频繁" in _text(response) and "第六条想说的话" in _text(response)
    assert BoardPost.objects.count() == 5


def test_who_may_post_on_the_page(client, city):
    response = client.post(_board_url(city), {"body": "匿名"})
    assert response.status_code == 302 and "/accounts/signin/" in response["Location"]
    for outsider in (city.other_publisher, city.officer):
        f.signed_in(client, outsider)
        assert client.post(_board_url(city), {"body": "越界"}).status_code == 403
    assert not BoardPost.objects.exists()
    # The form shows to residents and the office only.
    assert "我要发言" in _text(f.signed_in(client, city.neighbour).get(_board_url(city)))
    page = _text(f.signed_in(client, city.publisher).get(_board_url(city)))
    assert "以管理单位名义发布" in page
    assert 'name="body"' not in _text(f.signed_in(client, city.officer).get(_board_url(city)))


def test_replies_thread_and_errors_show_on_the_thread(client, city):
    top = services.post_create(board=city.board, author=city.resident, body="楼道灯不亮")
    f.signed_in(client, city.neighbour)
    response = client.post(reverse("boards:reply", args=[top.pk]), {"body": "同感"})
    assert response.status_code == 302
    reply = BoardPost.objects.get(parent=top)
    assert response["Location"].endswith(f"#post-{reply.pk}")
    response = client.post(reverse("boards:reply", args=[reply.pk]), {"body": ""})
    assert response.status_code == 400 and 'role="alert"' in _text(response)
    assert BoardPost.objects.filter(parent=top).count() == 1
    page = _text(client.get(reverse("boards:post", args=[reply.pk])))  # a reply shows its thread
    assert "楼道灯不亮" in page and "同感" in page


def test_a_hidden_post_shows_its_reason_to_all_and_its_text_to_the_author(client, city):
    post = services.post_create(board=city.board, author=city.resident, body="无关的广告内容")
    services.post_hide(post=post, by=city.publisher, reason=HideReason.ADVERTISING)
    for url in (_board_url(city), reverse("boards:post", args=[post.pk])):
        page = _text(client.get(url))
        assert "广告或垃圾信息" in page and "/consultations/policy/" in page
        assert "无关的广告内容" not in page
        own = _text(f.signed_in(client, city.resident).get(url))
        assert "无关的广告内容" in own and "仅您本人和管理单位可见" in own
        other = _text(f.signed_in(client, city.neighbour).get(url))
        assert "无关的广告内容" not in other
        client.logout()


def test_the_office_hides_and_restores_on_the_thread_page(client, city):
    post = services.post_create(board=city.board, author=city.resident, body="骂人的话")
    f.signed_in(client, city.publisher)
    thread = reverse("boards:post", args=[post.pk])
    assert "隐藏这条发言" in _text(client.get(thread))
    response = client.post(reverse("boards:hide", args=[post.pk]), {"reason": ""})
    assert response.status_code == 400 and "请选择隐藏原因" in _text(response)
    response = client.post(
        reverse("boards:hide", args=[post.pk]), {"reason": HideReason.ABUSE, "note": "人身攻击"}
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.hidden_reason == HideReason.ABUSE and post.hidden_note == "人身攻击"
    assert Message.objects.filter(recipient=city.resident, template="board_hidden").exists()
    assert client.post(reverse("boards:restore", args=[post.pk])).status_code == 302
    post.refresh_from_db()
    assert not post.is_hidden


def test_the_office_converts_in_one_step_and_the_post_shows_the_ticket(client, city):
    post = services.post_create(board=city.board, author=city.resident, body=LIGHT)
    f.signed_in(client, city.publisher)
    board_page = _text(client.get(_board_url(city)))
    assert reverse("boards:convert", args=[post.pk]) in board_page  # the one-step button
    response = client.post(reverse("boards:convert", args=[post.pk]))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.BOARD and ticket.reporter == city.resident
    client.logout()
    page = _text(client.get(response["Location"]))
    track = reverse("hotline:track", args=[ticket.tracking_number])
    assert f'href="{track}"' in page and f"工单 {ticket.tracking_number}" in page
    # The office's answer links the tracking page by its public address.
    assert f'<a href="{settings.CITYHALL_PUBLIC_URL}{track}"' in page
    assert client.get(track).status_code == 200
    assert Message.objects.filter(recipient=city.resident, template="board_converted").exists()
    # Again: refused with a clear error, nothing new.
    f.signed_in(client, city.publisher)
    response = client.post(reverse("boards:convert", args=[post.pk]))
    assert response.status_code == 400 and "不能重复转办" in _text(response)
    assert Ticket.objects.count() == 1
    assert reverse("boards:convert", args=[post.pk]) not in _text(client.get(_board_url(city)))


def test_convert_with_a_chosen_category_and_a_refusal_keeps_the_choice(client, city):
    post = services.post_create(board=city.board, author=city.resident, body="灯坏了")
    f.signed_in(client, city.publisher)
    url = reverse("boards:convert", args=[post.pk])
    response = client.post(url, {"category": "SZ03", "address": "海珠区赤岗街道东门"})
    assert response.status_code == 400  # too short for a ticket
    page = _text(response)
    assert 'role="alert"' in page and 'value="海珠区赤岗街道东门"' in page
    assert '<option value="SZ03" selected>' in page
    assert not Ticket.objects.exists()
    response = client.post(url, {"category": "NOPE"})
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_staff_actions_are_out_of_reach_outside_the_office(client, city):
    post = services.post_create(board=city.board, author=city.resident, body=LIGHT)
    actions = [
        reverse("boards:convert", args=[post.pk]),
        reverse("boards:hide", args=[post.pk]),
        reverse("boards:restore", args=[post.pk]),
    ]
    for url in actions:
        response = client.post(url, {"reason": HideReason.ABUSE})
        assert response.status_code == 302 and "/accounts/signin/" in response["Location"]
    f.signed_in(client, city.resident)
    for url in [*actions, reverse("boards:manage")]:
        assert client.post(url, {"reason": HideReason.ABUSE}).status_code == 403
    f.signed_in(client, city.other_publisher)
    for url in actions:
        assert client.post(url, {"reason": HideReason.ABUSE}).status_code == 404
    f.signed_in(client, city.officer)
    for url in actions:
        assert client.post(url, {"reason": HideReason.ABUSE}).status_code == 403
    assert client.get(reverse("boards:manage")).status_code == 403
    post.refresh_from_db()
    assert not post.is_hidden and post.ticket is None and not Ticket.objects.exists()
    # The thread page shows no staff forms to them.
    page = _text(
        f.signed_in(client, city.other_publisher).get(reverse("boards:post", args=[post.pk]))
    )
    assert "隐藏这条发言" not in page and "转为12345工单" not in page


def test_the_manage_page_lists_waiting_posts_and_boards(client, city):
    post = services.post_create(board=city.board, author=city.resident, body=LIGHT)
    page = _text(f.signed_in(client, city.publisher).get(reverse("boards:manage")))
    assert LIGHT[:20] in page and city.board.name in page
    assert reverse("boards:convert", args=[post.pk]) in page
    assert city.street.name in page  # the street itself has no board yet
    other = _text(f.signed_in(client, city.other_publisher).get(reverse("boards:manage")))
    assert LIGHT[:20] not in other


def test_board_page_is_paginated_without_a_query_per_thread(client, city):
    def build(start: int, stop: int) -> None:
        for i in range(start, stop):
            top = services.post_create(board=city.board, author=city.publisher, body=f"通知{i}")
            BoardPost.objects.create(
                board=city.board, parent=top, author=city.resident, body=f"回复{i}"
            )
            BoardPost.objects.create(
                board=city.board, parent=top, author=city.publisher, official=True, body="答复"
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_board_url(city)).status_code == 200
        return len(captured)

    build(0, 3)
    few = queries()
    build(3, 25)
    assert queries() == few
    page = _text(client.get(_board_url(city)))
    assert "通知24" in page and "通知4" not in page  # newest first, 20 a page
    assert "通知4" in _text(client.get(_board_url(city) + "?page=2"))
