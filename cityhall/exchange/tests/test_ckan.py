"""The CKAN Action API: the envelope, every error as CKAN 2.10 answers it, GET and POST, the
dataset dictionaries, search, and the real `ckanapi` client against a live server."""

import gc
import json
import re
import threading
from typing import Any

import ckanapi  # type: ignore[import-untyped]
import pytest
import requests
from django.conf import settings

from cityhall.exchange import ckan, opendata
from cityhall.exchange.models import DataResource, ResourceField
from cityhall.exchange.vocab import ResourceStatus

pytestmark = pytest.mark.django_db

POPULATION = "open-population-by-street-age"
LEGAL_PERSONS = "open-legal-persons-by-industry-district"
HOUSES = "open-houses-by-district-use"
OPEN = sorted([POPULATION, LEGAL_PERSONS, HOUSES])
CKAN_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


def call(
    client,
    action: str,
    method: str = "get",
    prefix: str = "/api/3/action/",
    params: dict[str, Any] | None = None,
    **named: Any,
):
    """Call an action by GET (query parameters) or POST (a JSON body); `params` holds the
    parameters whose names are not Python names (facet.field, …)."""
    params = {**(params or {}), **named}
    if method == "get":
        response = client.get(prefix + action, params)
    else:
        response = client.post(prefix + action, json.dumps(params), content_type="application/json")
    return response, response.json()


def help_url(action: str) -> str:
    return f"{settings.CITYHALL_PUBLIC_URL}/api/3/action/help_show?name={action}"


# --- envelope, methods, errors --------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/api/3/action/", "/api/action/"])
def test_envelope_on_both_addresses(client, open_catalogue, prefix):
    response, body = call(client, "package_list", prefix=prefix)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json;charset=utf-8"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert body == {"help": help_url("package_list"), "success": True, "result": OPEN}


def test_help_address_answers_with_the_actions_help(client, open_catalogue):
    _response, body = call(client, "package_search")
    path = body["help"].removeprefix(settings.CITYHALL_PUBLIC_URL)
    answer = client.get(path).json()
    assert answer["success"] is True
    assert answer["result"].startswith("Search the open datasets")
    _response, missing = call(client, "help_show", name="package_create_all_the_things")
    assert missing["error"] == {
        "__type": "Not Found Error",
        "message": "Not found: Action function not found",
    }


def test_get_post_json_and_form_posts_agree(client, open_catalogue):
    by_get = call(client, "package_show", id=POPULATION)[1]["result"]
    by_json = call(client, "package_show", "post", id=POPULATION)[1]["result"]
    by_form = client.post("/api/3/action/package_show", {"id": POPULATION}).json()["result"]
    # `curl -d '{"id": …}'` posts the JSON as the name of a form field with an empty value.
    by_curl = client.post(
        "/api/3/action/package_show",
        json.dumps({"id": POPULATION}),
        content_type="application/x-www-form-urlencoded",
    ).json()["result"]
    assert by_get["name"] == POPULATION
    assert by_get == by_json == by_form == by_curl


def test_repeated_query_parameters_are_a_list(client, open_catalogue):
    response = client.get(
        "/api/3/action/package_search?facet.field=organization&facet.field=groups&rows=0"
    )
    assert set(response.json()["result"]["facets"]) == {"organization", "groups"}


def test_unknown_action_is_a_bad_request_string(client):
    for method in ("get", "post"):
        response = getattr(client, method)("/api/3/action/package_frobnicate")
        assert response.status_code == 400
        assert response.json() == "Bad request - Action name not known: package_frobnicate"


def test_write_actions_are_refused_as_to_an_anonymous_caller(client, open_catalogue):
    response, body = call(client, "package_create", "post", name="mine", title="Mine")
    assert response.status_code == 403
    assert body == {
        "help": help_url("package_create"),
        "success": False,
        "error": {
            "__type": "Authorization Error",
            "message": "Access denied: Action package_create requires an authenticated user",
        },
    }
    assert call(client, "resource_delete", "post", id="x")[0].status_code == 403
    assert DataResource.objects.filter(code="mine").exists() is False
    # CKAN reads the data of an action with side effects from the body only.
    response = client.get("/api/3/action/package_delete?id=" + POPULATION)
    assert response.status_code == 400
    assert response.json() == (
        "Bad request - JSON Error: Invalid request. Please use POST method for your request"
    )


def test_not_found(client, open_catalogue):
    response, body = call(client, "package_show", id="no-such-dataset")
    assert response.status_code == 404
    assert body == {
        "help": help_url("package_show"),
        "success": False,
        "error": {"__type": "Not Found Error", "message": "Not found"},
    }
    response, body = call(client, "resource_show", id="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert body["error"]["message"] == "Not found: Resource was not found."
    assert call(client, "organization_show", id="440100-rs")[0].status_code == 404  # no open data
    assert call(client, "group_show", id="employment")[0].status_code == 404


@pytest.mark.parametrize(
    ("action", "params", "errors"),
    [
        ("package_show", {}, {"name_or_id": ["Missing value"]}),
        ("resource_show", {}, {"id": ["Missing value"]}),
        ("organization_show", {}, {"id": ["Missing value"]}),
        ("package_search", {"rows": "ten"}, {"rows": ["Invalid integer"]}),
        ("package_search", {"rows": "-1"}, {"rows": ["Must be a natural number"]}),
        (
            "package_search",
            {"start": "x", "facet.field": "organization"},
            {"start": ["Invalid integer"], "facet.field": ["Could not parse as valid JSON"]},
        ),
        ("package_search", {"facet.field": '{"a": 1}'}, {"facet.field": ["Not a list"]}),
        ("package_list", {"limit": "1.5"}, {"limit": ["Invalid integer"]}),
        ("organization_list", {"sort": "size asc"}, {"message": "Cannot sort by field `size`"}),
    ],
)
def test_validation_errors(client, open_catalogue, action, params, errors):
    response, body = call(client, action, **params)
    assert response.status_code == 409
    assert body["success"] is False
    assert body["error"] == {**errors, "__type": "Validation Error"}


def test_body_that_is_not_a_json_object_is_a_bad_request(client):
    response = client.post("/api/3/action/package_list", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert response.json().startswith("Bad request - JSON Error: Error decoding JSON data.")
    response = client.post("/api/3/action/package_list", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == (
        "Bad request - JSON Error: Request data JSON decoded to [1, 2] but it needs to be a "
        "dictionary."
    )


def test_search_query_errors(client, open_catalogue):
    response, body = call(client, "package_search", colour="red")
    assert response.status_code == 400
    assert body["error"] == {
        "__type": "Search Query Error",
        "message": "Search Query is invalid: \"Invalid search parameters: ['colour']\"",
    }
    response, body = call(client, "package_search", sort="popularity desc")
    assert (response.status_code, body["error"]["__type"]) == (400, "Search Query Error")
    assert 'Invalid "sort" parameter' in body["error"]["message"]
    # Solr's "undefined field": 409, even when nothing would have matched.
    for params in ({"fq": "colour:red"}, {"facet.field": '["colour"]'}, {"fq": 'tags:"open'}):
        response, body = call(client, "package_search", params=params)
        assert (response.status_code, body["error"]["__type"]) == (409, "Search Error"), params


def test_cors_preflight(client):
    response = client.options("/api/3/action/package_search")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Content-Type" in response["Access-Control-Allow-Headers"]


# --- what is shown --------------------------------------------------------------------------------


def test_package_dict_is_shaped_like_ckans(client, open_catalogue):
    resource = open_catalogue[POPULATION]
    package = call(client, "package_show", id=POPULATION)[1]["result"]

    assert package["id"] == ckan.stable_id("dataset", POPULATION)
    assert call(client, "package_show", id=package["id"])[1]["result"]["name"] == POPULATION
    assert (package["title"], package["notes"]) == (resource.title, resource.description)
    assert (package["type"], package["state"], package["private"]) == ("dataset", "active", False)
    assert package["organization"] | {"created": None} == {
        "id": ckan.stable_id("organization", "440100-GA"),
        "name": "440100-ga",
        "title": "广州市公安局",
        "type": "organization",
        "description": "",
        "image_url": "",
        "created": None,
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }
    assert package["owner_org"] == package["organization"]["id"]
    assert [(g["name"], g["title"]) for g in package["groups"]] == [("population", "人口")]
    assert [t["name"] for t in package["tags"]] == resource.tags
    assert package["num_tags"] == len(resource.tags)
    assert (package["license_id"], package["isopen"]) == ("cc-by-4.0", True)
    assert package["license_title"] == "Creative Commons Attribution 4.0"
    assert CKAN_TIME.match(package["metadata_created"])
    assert CKAN_TIME.match(package["metadata_modified"])
    extras = {e["key"]: e["value"] for e in package["extras"]}
    assert extras["owner"] == "广州市公安局"
    assert extras["legal_basis"] == resource.legal_basis
    assert (extras["update_frequency"], extras["update_frequency_label"]) == ("daily", "每日")

    assert package["num_resources"] == 2
    csv_resource, json_resource = package["resources"]
    assert [csv_resource["format"], json_resource["format"]] == ["CSV", "JSON"]
    assert (csv_resource["mimetype"], json_resource["mimetype"]) == (
        "text/csv",
        "application/json",
    )
    assert csv_resource["package_id"] == package["id"]
    assert csv_resource["url"].startswith(settings.CITYHALL_PUBLIC_URL + "/opendata/dataset/")
    assert csv_resource["url"].endswith(f"/download/{POPULATION}.csv")
    assert (csv_resource["size"], csv_resource["last_modified"]) == (None, None)

    # Once the file exists for the registry as it is, its size and time are known.
    path = csv_resource["url"].removeprefix(settings.CITYHALL_PUBLIC_URL)
    body = b"".join(client.get(path).streaming_content)
    shown = call(client, "resource_show", id=csv_resource["id"])[1]["result"]
    assert shown["size"] == len(body)
    assert CKAN_TIME.match(shown["last_modified"])
    assert {k: v for k, v in shown.items() if k not in ("size", "last_modified")} == {
        k: v for k, v in csv_resource.items() if k not in ("size", "last_modified")
    }


def _names(body) -> list[str]:
    return [p["name"] for p in body["result"]["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "人口"}, [POPULATION]),
        ({"q": "统计汇总"}, OPEN),
        ({"q": "住房和城乡建设局"}, [HOUSES]),  # the organization's title
        ({"q": "市场主体 存续"}, [LEGAL_PERSONS]),  # every word must match
        ({"q": "*:*"}, OPEN),
        ({"q": "tags:楼盘表"}, [HOUSES]),
        ({"fq": "organization:440100-sj"}, [LEGAL_PERSONS]),
        ({"fq": 'tags:"统计汇总" -groups:housing'}, [LEGAL_PERSONS, POPULATION]),
        ({"fq": "+res_format:CSV +license_id:cc-by-4.0"}, OPEN),
        ({"fq": "res_format:csv"}, OPEN),
        ({"fq": "groups:(population OR housing)"}, [HOUSES, POPULATION]),
        ({"fq": 'tags:"不存在的标签"'}, []),
        ({"fq": "organization:440100-ga AND tags:人口"}, [POPULATION]),
        ({"q": "人口", "fq": "organization:440100-sj"}, []),
        ({"fq_list": json.dumps(["groups:housing", "res_format:JSON"])}, [HOUSES]),
    ],
)
def test_package_search_q_and_fq(client, open_catalogue, params, expected):
    _response, body = call(client, "package_search", sort="name asc", **params)
    assert _names(body) == expected
    assert body["result"]["count"] == len(expected)


def test_package_search_pages_and_sorts(client, open_catalogue):
    titles = {code: DataResource.objects.get(code=code).title for code in OPEN}
    by_title = sorted(OPEN, key=titles.__getitem__)

    _r, body = call(client, "package_search", sort="title_string asc")
    assert _names(body) == by_title
    _r, body = call(client, "package_search", sort="title_string desc")
    assert _names(body) == by_title[::-1]
    _r, body = call(client, "package_search", sort="name asc", rows="1", start="1")
    assert (_names(body), body["result"]["count"]) == ([OPEN[1]], 3)
    _r, body = call(client, "package_search", rows="1001")
    assert len(_names(body)) == 3  # above the maximum is the maximum, not an error
    _r, body = call(client, "package_search")
    assert body["result"]["sort"] == "score desc, metadata_modified desc"
    assert len(_names(body)) == 3
    # The most recently modified first when the score ties.
    DataResource.objects.get(code=LEGAL_PERSONS).save()
    _r, body = call(client, "package_search", sort="metadata_modified desc")
    assert _names(body)[0] == LEGAL_PERSONS
    _r, body = call(client, "package_search", q="人口 统计汇总")
    assert _names(body) == [POPULATION]


def test_package_search_facets(client, open_catalogue):
    fields = ["organization", "groups", "tags", "res_format", "license_id"]
    _r, body = call(client, "package_search", "post", params={"facet.field": fields, "rows": 0})
    result = body["result"]
    assert (result["count"], result["results"]) == (3, [])
    facets = result["facets"]
    assert facets["organization"] == {"440100-ga": 1, "440100-sj": 1, "440100-zj": 1}
    assert facets["res_format"] == {"CSV": 3, "JSON": 3}
    assert facets["license_id"] == {"cc-by-4.0": 3}
    assert facets["tags"]["统计汇总"] == 3
    assert next(iter(facets["tags"])) == "统计汇总"  # by count first
    organizations = result["search_facets"]["organization"]
    assert organizations["title"] == "organization"
    titles = ["广州市公安局", "广州市市场监督管理局", "广州市住房和城乡建设局"]
    assert [i["display_name"] for i in organizations["items"]] == sorted(titles, reverse=True)
    assert {i["name"]: i["count"] for i in organizations["items"]} == facets["organization"]
    groups = {i["name"]: i["display_name"] for i in result["search_facets"]["groups"]["items"]}
    assert groups == {
        "population": "人口",
        "legal-persons": "法人与市场主体",
        "housing": "住房与房屋",
    }
    assert result["search_facets"]["license_id"]["items"][0]["display_name"] == (
        "Creative Commons Attribution 4.0"
    )

    _r, body = call(
        client,
        "package_search",
        "post",
        params={
            "facet.field": ["organization", "tags"],
            "facet.limit": 2,
            "fq": "groups:population",
        },
    )
    facets = body["result"]["facets"]
    assert facets["organization"] == {"440100-ga": 1}  # counted over the matches only
    assert len(facets["tags"]) == 2
    _r, body = call(
        client, "package_search", params={"facet.field": '["tags"]', "facet.limit": "-1"}
    )
    assert len(body["result"]["facets"]["tags"]) == len(
        {t for code in OPEN for t in DataResource.objects.get(code=code).tags}
    )
    _r, body = call(client, "package_search", params={"facet.field": '["tags"]', "facet": "false"})
    assert body["result"]["facets"] == {}


def test_package_search_fl_returns_only_those_fields(client, open_catalogue):
    _r, body = call(client, "package_search", fl="name,title", sort="name asc")
    assert body["result"]["results"][0] == {
        "name": OPEN[0],
        "title": DataResource.objects.get(code=OPEN[0]).title,
    }


def test_organization_and_group_lists(client, open_catalogue):
    titles = {
        "440100-ga": "广州市公安局",
        "440100-sj": "广州市市场监督管理局",
        "440100-zj": "广州市住房和城乡建设局",
    }
    _r, body = call(client, "organization_list")
    assert body["result"] == sorted(titles, key=titles.__getitem__)  # by title
    _r, body = call(client, "organization_list", sort="name desc")
    assert body["result"] == sorted(titles, reverse=True)
    _r, body = call(client, "organization_list", all_fields="true", sort="name asc", limit="2")
    first, second = body["result"]
    assert (first["name"], first["title"], first["package_count"]) == (
        "440100-ga",
        "广州市公安局",
        1,
    )
    assert (first["is_organization"], first["type"], second["name"]) == (
        True,
        "organization",
        "440100-sj",
    )
    _r, body = call(client, "organization_list", q="市场")
    assert body["result"] == ["440100-sj"]
    _r, body = call(client, "organization_list", organizations="440100-zj")
    assert body["result"] == ["440100-zj"]
    _r, body = call(client, "organization_list", "post", organizations=["440100-zj", "440100-rs"])
    assert body["result"] == ["440100-zj"]  # RS has no open data

    themes = {"population": "人口", "legal-persons": "法人与市场主体", "housing": "住房与房屋"}
    _r, body = call(client, "group_list")
    assert body["result"] == sorted(themes, key=themes.__getitem__)
    _r, body = call(client, "group_list", all_fields=True, sort="name asc")
    assert [(g["name"], g["title"], g["package_count"]) for g in body["result"]] == [
        ("housing", "住房与房屋", 1),
        ("legal-persons", "法人与市场主体", 1),
        ("population", "人口", 1),
    ]

    _r, body = call(client, "organization_show", id="440100-ga", include_datasets="true")
    assert [p["name"] for p in body["result"]["packages"]] == [POPULATION]
    _r, body = call(client, "group_show", id=ckan.stable_id("group", "housing"))
    assert (body["result"]["name"], "packages" in body["result"]) == ("housing", False)


def test_status_show(client):
    _r, body = call(client, "status_show")
    status = body["result"]
    assert status["ckan_version"].startswith("2.10.")
    assert status["site_url"] == settings.CITYHALL_PUBLIC_URL
    assert status["site_title"] == str(settings.SITE_NAME)
    assert status["extensions"] == ckan.EXTENSIONS
    assert status["locale_default"] == "zh_Hans"


def test_hidden_resources_never_appear(client, open_catalogue):
    population = call(client, "package_show", id=POPULATION)[1]["result"]
    assert "person-basic" not in call(client, "package_list")[1]["result"]  # not open

    DataResource.objects.filter(code=POPULATION).update(status=ResourceStatus.DRAFT)
    DataResource.objects.filter(code=LEGAL_PERSONS).update(status=ResourceStatus.WITHDRAWN)
    ResourceField.objects.create(
        resource=open_catalogue[HOUSES], name="owner", label="产权人", sensitivity="personal"
    )

    assert call(client, "package_list")[1]["result"] == []
    _r, body = call(
        client, "package_search", "post", params={"facet.field": ["organization", "tags"]}
    )
    assert body["result"]["count"] == 0
    assert body["result"]["facets"] == {"organization": {}, "tags": {}}
    assert call(client, "organization_list")[1]["result"] == []
    assert call(client, "group_list")[1]["result"] == []
    assert call(client, "package_show", id=POPULATION)[0].status_code == 404
    resource_id = population["resources"][0]["id"]
    assert call(client, "resource_show", id=resource_id)[0].status_code == 404
    assert call(client, "organization_show", id="440100-ga")[0].status_code == 404


def test_search_reads_a_fixed_number_of_queries(
    client, open_catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        _r, body = call(
            client,
            "package_search",
            "post",
            params={"facet.field": ["organization", "groups", "tags"], "rows": 1000},
        )
    assert body["result"]["count"] == 3


# --- the ckanapi client, unmodified, against a running server -----------------------------------


@pytest.fixture
def ckan_site(live_server, settings):
    """The live server, named as the site's public address (resource URLs point at it)."""
    settings.CITYHALL_PUBLIC_URL = live_server.url
    yield live_server
    # A request thread ends when its client hangs up, which can be after the test: wait for it
    # while the server still shares the in-memory SQLite connection with it, or its closing
    # fails with "created in a thread" once the server has stopped sharing it. A finished
    # requests response holds its socket in a reference cycle: collect it to hang up.
    gc.collect()
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=10)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ckanapi_client_reads_the_catalogue(ckan_site, open_catalogue, open_registry):
    for remote in (
        # POSTs JSON to /api/action/<name>
        ckanapi.RemoteCKAN(ckan_site.url),
        # GETs with query parameters
        ckanapi.RemoteCKAN(ckan_site.url, get_only=True),
    ):
        with remote:
            assert remote.action.package_list() == OPEN
            package = remote.action.package_show(id=POPULATION)
            assert package["organization"]["name"] == "440100-ga"
            found = remote.action.package_search(
                q="统计汇总",
                fq="organization:440100-zj",
                **{"facet.field": ["organization", "res_format"], "facet.limit": 10},
            )
            assert [p["name"] for p in found["results"]] == [HOUSES]
            assert found["facets"]["res_format"] == {"CSV": 1, "JSON": 1}
            assert sorted(remote.action.organization_list()) == [
                "440100-ga",
                "440100-sj",
                "440100-zj",
            ]
            groups = remote.action.group_list(all_fields=True)
            assert {g["name"] for g in groups} == {"population", "legal-persons", "housing"}
            resource = remote.action.resource_show(id=package["resources"][0]["id"])
            assert resource["format"] == "CSV"
            status = remote.action.status_show()
            assert status["site_url"] == ckan_site.url

            with pytest.raises(ckanapi.errors.CKANAPIError) as unknown:
                remote.action.package_frobnicate()
            assert type(unknown.value) is ckanapi.errors.CKANAPIError  # not a subclass
            assert "Action name not known: package_frobnicate" in str(unknown.value)
            with pytest.raises(ckanapi.NotFound):
                remote.action.package_show(id="person-basic")
            with pytest.raises(ckanapi.ValidationError) as invalid:
                remote.action.package_search(rows="many")
            assert invalid.value.error_dict["rows"] == ["Invalid integer"]

    with (
        ckanapi.RemoteCKAN(ckan_site.url) as remote,
        pytest.raises(ckanapi.NotAuthorized),
    ):
        remote.action.package_create(name="mine")
    # The resource's address is the file, downloadable as it stands. (Closed here: a response
    # left open keeps its connection, and the server's thread for it, alive.)
    with requests.get(resource["url"], timeout=30) as downloaded:
        assert downloaded.status_code == 200
        assert downloaded.headers["Content-Type"] == "text/csv; charset=utf-8"
        rows = downloaded.content.decode("utf-8-sig").splitlines()
    assert rows[0].split(",") == list(opendata.OPEN_VIEWS["open_population_by_street_age"].columns)
