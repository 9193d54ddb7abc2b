"""Atom and RSS feeds of public information, filtered by topic and area."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.participation import services
from cityhall.participation.models import Topic

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
STREET, OTHER_STREET = "440105001", "440104001"


@pytest.fixture
def items():
    street = f.staff(unit=f.unit(STREET), roles=[Role.PUBLISHER])
    other = f.staff(unit=f.unit(OTHER_STREET), roles=[Role.PUBLISHER])
    city = f.staff(unit=f.unit("440100"), roles=[Role.PUBLISHER])

    def publish(author, area, topic, title):
        return services.publication_publish(
            author=author, title=title, body=f"{title}的正文", topic=topic, area_code=area
        )

    return {
        "street": publish(street, STREET, Topic.NOTICE, "停水通知 <b>&</b>"),
        "other": publish(other, OTHER_STREET, Topic.NOTICE, "别的街道"),
        "city": publish(city, "440100", Topic.POLICY, "全市政策"),
    }


def _atom_titles(client, **query) -> list[str]:
    response = client.get(reverse("participation:feed_atom"), query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed, parsed in a test
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.iter(f"{ATOM}entry")]


def test_atom_feed_for_a_street_holds_its_items_and_those_above(client, items):
    titles = _atom_titles(client, area=STREET)
    assert set(titles) == {"停水通知 <b>&</b>", "全市政策"}  # text, escaped in the XML
    assert _atom_titles(client, area=STREET, topic=Topic.POLICY) == ["全市政策"]
    assert len(_atom_titles(client)) == 3


def test_rss_feed_and_bad_filters(client, items):
    response = client.get(reverse("participation:feed_rss"), {"topic": "x", "area": "9999"})
    assert response.status_code == 200 and response["Content-Type"].startswith(
        "application/rss+xml"
    )
    root = ET.fromstring(response.content)  # noqa: S314
    links = [item.findtext("link") or "" for item in root.iter("item")]
    assert len(links) == 3  # unknown filters are ignored, not an error
    assert all("/information/" in link for link in links)


def test_the_catalogue_page_points_to_its_feeds(client, items):
    page = client.get(reverse("participation:index"), {"area": STREET}).content.decode()
    assert 'type="application/atom+xml"' in page and f"area={STREET}" in page
