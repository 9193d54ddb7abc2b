"""The demo boards: built for the demo citizens' places, once."""

import pytest

from cityhall.hotline.models import Channel, Ticket
from cityhall.identity.tests import factories as f
from cityhall.participation.boards.demo import board_demo_build
from cityhall.participation.models import Board, BoardPost
from cityhall.participation.tests.test_boards import OTHER_STREET, board_city

pytestmark = pytest.mark.django_db


def test_demo_boards_are_built_once():
    city = board_city()
    elsewhere = f.citizen(home=f.community(OTHER_STREET), name="张伟")
    citizens = [city.resident, city.neighbour, elsewhere]
    created = board_demo_build(citizens=citizens)
    assert created == BoardPost.objects.count() + Ticket.objects.count() > 0
    boards = set(Board.objects.values_list("division__code", flat=True))
    assert elsewhere.home_division is not None
    assert {city.community.code, city.street.code, elsewhere.home_division.code} <= boards
    notice = BoardPost.objects.filter(board__division=city.street, official=True, parent=None)
    assert notice.exists()
    assert BoardPost.objects.filter(parent__isnull=False, official=False).exists()
    converted = BoardPost.objects.filter(ticket__isnull=False)
    assert converted.count() == 2  # one in each place
    assert set(converted.values_list("ticket__channel", flat=True)) == {Channel.BOARD}
    before = (BoardPost.objects.count(), Ticket.objects.count())
    assert board_demo_build(citizens=citizens) == 0
    assert (BoardPost.objects.count(), Ticket.objects.count()) == before
