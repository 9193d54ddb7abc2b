import pytest

from cityhall.geo.models import Grid


@pytest.mark.django_db
def test_locate_inside(client, inside_point):
    lat, lng, grid = inside_point
    response = client.get("/api/v1/geo/locate", {"lat": lat, "lng": lng})
    assert response.status_code == 200
    body = response.json()
    assert body["inside"] is True
    assert body["grid_code"] == grid.code
    assert body["community_code"] == grid.community.code
    assert body["street_code"] == grid.community.parent.code
    assert (body["district_code"], body["district_name"]) == ("440105", "海珠区")
    assert (body["lat"], body["lng"]) == (lat, lng)
    assert body["message"] is None


@pytest.mark.django_db
def test_locate_outside_is_200(client, small_layout):
    response = client.get("/api/v1/geo/locate", {"lat": 39.9042, "lng": 116.4074})
    assert response.status_code == 200
    body = response.json()
    assert body["inside"] is False
    assert body["grid_code"] is None
    assert body["message"] == "该位置不在本市网格范围内"


@pytest.mark.django_db
def test_locate_outside_in_english(client, small_layout, english_catalogue):
    response = client.get("/api/v1/geo/locate", {"lat": 0, "lng": 0}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"] == "This location is outside the city's grids"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "code"),
    [({"lat": "nan", "lng": 113.3}, "invalid_lat"), ({"lat": 23.1, "lng": 200}, "invalid_lng")],
)
def test_locate_invalid_coordinates_is_400(client, query, code):
    response = client.get("/api/v1/geo/locate", query)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"]


@pytest.mark.django_db
def test_locate_requires_both_coordinates(client):
    assert client.get("/api/v1/geo/locate", {"lat": 23.1}).status_code == 422
    assert client.get("/api/v1/geo/locate", {"lat": "north", "lng": 113}).status_code == 422


@pytest.mark.django_db
def test_division_detail(client, small_layout):
    response = client.get("/api/v1/geo/divisions/440105")
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["name"], body["level"]) == ("440105", "海珠区", "district")
    assert body["level_label"] == "区"
    assert [a["code"] for a in body["ancestors"]] == ["440100"]
    assert len(body["children"]) == 18
    first = body["children"][0]
    assert first["code"] == "440105001" and first["level"] == "street"
    assert first["child_count"] == 1 and first["grid_count"] == 2
    assert body["grid_count"] == 36
    assert body["boundary"]["type"] in ("Polygon", "MultiPolygon")
    assert body["centre_lat"] == pytest.approx(23.1, abs=0.1)


@pytest.mark.django_db
def test_division_detail_of_a_community_lists_its_chain(client, small_layout, inside_point):
    _, _, grid = inside_point
    body = client.get(f"/api/v1/geo/divisions/{grid.community.code}").json()
    assert [a["level"] for a in body["ancestors"]] == ["city", "district", "street"]
    assert body["children"] == []
    assert body["grid_count"] == 2


@pytest.mark.django_db
def test_unknown_division_is_404(client):
    response = client.get("/api/v1/geo/divisions/440199")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/geo/divisions/440199/grids").status_code == 404


@pytest.mark.django_db
def test_grids_feature_collection_is_paged(client, small_layout):
    response = client.get("/api/v1/geo/divisions/440105/grids", {"limit": 5, "offset": 3})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert (body["numberMatched"], body["numberReturned"]) == (36, 5)
    expected = list(
        Grid.objects.filter(code__startswith="440105")
        .order_by("code")
        .values_list("code", flat=True)
    )[3:8]
    assert [f["id"] for f in body["features"]] == expected
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["community_code"] == feature["id"][:12]
    last = client.get("/api/v1/geo/divisions/440105/grids", {"offset": 30}).json()
    assert last["numberReturned"] == 6


@pytest.mark.django_db
def test_grids_page_size_is_capped(client, small_layout):
    assert client.get("/api/v1/geo/divisions/440100/grids", {"limit": 1001}).status_code == 422
    assert client.get("/api/v1/geo/divisions/440100/grids", {"limit": 0}).status_code == 422
    body = client.get("/api/v1/geo/divisions/440100/grids").json()
    assert (body["numberMatched"], body["numberReturned"], body["limit"]) == (354, 354, 500)


@pytest.mark.django_db
def test_grids_query_count_does_not_grow_with_the_page(
    client, small_layout, django_assert_num_queries
):
    with django_assert_num_queries(3):
        client.get("/api/v1/geo/divisions/440100/grids", {"limit": 2})
    with django_assert_num_queries(3):
        client.get("/api/v1/geo/divisions/440100/grids", {"limit": 300})
