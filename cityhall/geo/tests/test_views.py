import re

import pytest
from django.urls import reverse

from cityhall.geo.models import Division, Grid


def _main(response) -> str:
    html = response.content.decode()
    return html[html.index('<main id="main"') : html.index("</main>")]


@pytest.mark.django_db
def test_index_lists_the_districts_with_street_counts(client, small_layout):
    response = client.get(reverse("geo:division_index"))
    assert response.status_code == 200
    main = _main(response)
    assert "<caption>" in main
    rows = re.findall(
        r'<a href="/geo/d/(\d{6})/">([^<]+)</a></th>\s*<td>(\d+)</td>\s*<td>(\d+)</td>', main
    )
    assert len(rows) == 11
    assert ("440105", "海珠区", "18", "0") in rows
    assert ("440111", "白云区", "20", "4") in rows
    # The totals row: 143 sub-districts, 34 towns, 177 in all.
    assert re.search(r"<td>143</td>\s*<td>34</td>\s*<td>177</td>", main)
    # The server-rendered map names each district.
    assert '<title id="geo-map-title">各区示意图</title>' in main
    assert main.count("<title>") == 11
    assert "<title>海珠区（440105）</title>" in main


@pytest.mark.django_db
def test_index_without_boundaries_has_no_map(client):
    response = client.get(reverse("geo:division_index"))
    assert response.status_code == 200
    assert "<svg" not in _main(response)
    assert "海珠区" in _main(response)


@pytest.mark.django_db
def test_district_page_shows_breadcrumb_children_and_map(client, small_layout):
    response = client.get(reverse("geo:division_detail", args=["440105"]))
    assert response.status_code == 200
    main = _main(response)
    assert "<h1>海珠区</h1>" in main
    breadcrumb = main[main.index("<nav") : main.index("</nav>")]
    assert '<a href="/geo/d/440100/">广州市</a>' in breadcrumb
    assert '<li aria-current="page">海珠区</li>' in breadcrumb
    streets = Division.objects.filter(parent__code="440105")
    for street in streets:
        assert f'<a href="/geo/d/{street.code}/">{street.name}</a>' in main
        assert f"<title>{street.name}（{street.code}）</title>" in main
    assert main.count("<path ") == 18
    # Each street: one community, two grids under it.
    assert len(re.findall(r"<td>1</td>\s*<td>2</td>", main)) == 18
    assert "演示布局" in main  # boundaries are marked as synthetic


@pytest.mark.django_db
def test_community_page_lists_and_maps_its_grids(client, inside_point):
    _, _, grid = inside_point
    community = grid.community
    response = client.get(reverse("geo:division_detail", args=[community.code]))
    assert response.status_code == 200
    main = _main(response)
    breadcrumb = main[main.index("<nav") : main.index("</nav>")]
    for ancestor in ("440100", "440105", community.parent.code):
        assert f'<a href="/geo/d/{ancestor}/">' in breadcrumb
    assert f'<li aria-current="page">{community.name}</li>' in breadcrumb
    for each in Grid.objects.filter(community=community):
        assert f"<td>{each.code}</td>" in main
        assert f"<title>{each.name}（{each.code}）</title>" in main


@pytest.mark.django_db
def test_unknown_division_page_is_404(client):
    assert client.get(reverse("geo:division_detail", args=["440199"])).status_code == 404


@pytest.mark.django_db
def test_locate_page_form_only(client):
    response = client.get(reverse("geo:locate"))
    assert response.status_code == 200
    main = _main(response)
    assert '<label for="id_lat">' in main and '<label for="id_lng">' in main
    assert "查询结果" not in main


@pytest.mark.django_db
def test_locate_page_inside(client, inside_point):
    lat, lng, grid = inside_point
    response = client.get(reverse("geo:locate"), {"lat": lat, "lng": lng})
    main = _main(response)
    assert "查询结果" in main
    assert f"{grid.name}（{grid.code}）" in main
    assert f'<a href="/geo/d/{grid.community.code}/">{grid.community.name}</a>' in main
    assert '<a href="/geo/d/440105/">海珠区</a>' in main
    assert 'aria-current="location"' in main  # the hit grid is marked on the map
    assert "<circle" in main


@pytest.mark.django_db
def test_locate_page_outside(client, small_layout):
    response = client.get(reverse("geo:locate"), {"lat": 39.9, "lng": 116.4})
    assert "该位置不在本市网格范围内" in _main(response)


@pytest.mark.django_db
@pytest.mark.parametrize("lat", ["abc", "91", "nan"])
def test_locate_page_invalid_input_shows_the_form_error(client, lat):
    response = client.get(reverse("geo:locate"), {"lat": lat, "lng": "113.3"})
    assert response.status_code == 200
    main = _main(response)
    assert "errorlist" in main
    assert "查询结果" not in main


@pytest.mark.django_db
def test_pages_in_english(client, small_layout, english_catalogue):
    response = client.get(reverse("geo:division_index"), HTTP_ACCEPT_LANGUAGE="en")
    main = _main(response)
    assert "<h1>Divisions and grids</h1>" in main
    assert "has 11 districts." in main
    response = client.get(reverse("geo:locate"), {"lat": 0, "lng": 0}, HTTP_ACCEPT_LANGUAGE="en")
    assert "This location is outside the city&#x27;s grids" in _main(response)
