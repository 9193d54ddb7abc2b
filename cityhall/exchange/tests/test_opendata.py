"""Open data: the aggregate selectors against a registry built cell by cell, the CSV and JSON
files (suppression, quoting, formula guard, cache) and the public page and downloads."""

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from cityhall.exchange import ckan, opendata
from cityhall.exchange.models import DataResource, ResourceField
from cityhall.exchange.tests.conftest import (
    DISTRICT,
    FORMULA_INDUSTRY,
    OTHER_DISTRICT,
    OTHER_STREET,
    STREET,
    aged,
    resident,
)
from cityhall.exchange.vocab import ResourceStatus
from cityhall.registry import selectors as registry
from cityhall.registry.tests import factories as rf

pytestmark = pytest.mark.django_db

POPULATION = "open-population-by-street-age"
LEGAL_PERSONS = "open-legal-persons-by-industry-district"
HOUSES = "open-houses-by-district-use"
CATALOGUE_FILE = Path(opendata.__file__).parent / "data" / "resources.json"


def _published(count: int) -> tuple[int | None, bool]:
    small = count < registry.SMALL_CELL_MIN
    return (None if small else count), small


# --- the selectors --------------------------------------------------------------------------------


def test_population_cells_are_the_registry_counted_and_small_ones_withheld(open_registry):
    cells = registry.population_by_street_age(as_of=timezone.localdate())
    by_key = {(c.street_code, c.age_band, c.gender): c for c in cells}

    # Exactly the cells with living persons placed in a street: the deceased and the persons
    # placed only at district level are in none.
    assert set(by_key) == set(open_registry.population)
    for key, count in open_registry.population.items():
        assert (by_key[key].persons, by_key[key].suppressed) == _published(count), key
    assert (by_key[(STREET, "25-44", "M")].persons, by_key[(STREET, "75+", "F")].persons) == (6, 5)
    assert by_key[(STREET, "0-14", "M")].persons is None  # 4: one below the threshold
    assert by_key[(STREET, "0-14", "M")].suppressed
    # Age on the day: 15 today is 15-24, 15 tomorrow is still 0-14 (counted above), 75 today 75+.
    assert (OTHER_STREET, "15-24", "F") in by_key
    first = by_key[(STREET, "25-44", "M")]
    assert (first.street_name, first.district_code, first.district_name) == (
        "赤岗街道",
        DISTRICT,
        "海珠区",
    )
    assert by_key[(OTHER_STREET, "15-24", "F")].district_name == "天河区"
    # Every living person placed in a street is in exactly one cell.
    assert sum(open_registry.population.values()) == 19
    assert sum(c.persons or 0 for c in cells) == 11  # the two published cells


def test_population_cells_are_ordered_by_street_age_band_and_gender(open_registry):
    cells = registry.population_by_street_age(as_of=timezone.localdate())
    bands = [label for label, _limit in registry.AGE_BANDS]
    assert bands == ["0-14", "15-24", "25-44", "45-59", "60-74", "75+"]
    keys = [(c.street_code, bands.index(c.age_band), c.gender) for c in cells]
    assert keys == sorted(keys)
    assert [(c.street_code, c.age_band) for c in cells[:2]] == [(STREET, "0-14"), (STREET, "25-44")]


def test_population_bands_follow_the_date_asked_for(open_registry):
    # A year on, the 15-year-old of OTHER_STREET is 16 (still 15-24) and the boy who turns 15
    # tomorrow is 15: 0-14 keeps only the three 8-year-olds (9 by then).
    later = timezone.localdate() + timedelta(days=366)
    cells = registry.population_by_street_age(as_of=later)
    by_key = {(c.street_code, c.age_band, c.gender): c for c in cells}
    assert by_key[(STREET, "15-24", "M")].suppressed  # the boy, 15 by then
    assert (OTHER_STREET, "15-24", "F") in by_key
    assert sum(1 for c in cells if (c.street_code, c.age_band) == (STREET, "0-14")) == 1


def test_legal_person_cells_count_only_companies_in_existence(open_registry):
    cells = registry.legal_persons_by_industry_district()
    by_key = {(c.district_code, c.industry, c.kind): c for c in cells}
    assert set(by_key) == set(open_registry.legal_persons)
    for key, count in open_registry.legal_persons.items():
        assert (by_key[key].legal_persons, by_key[key].suppressed) == _published(count), key
    assert by_key[(OTHER_DISTRICT, "科技", "company")].legal_persons == 7  # 3 cancelled left out
    assert by_key[(DISTRICT, "餐饮管理", "individual_business")].kind_name == "个体工商户"
    assert by_key[(DISTRICT, "科技", "company")].district_name == "海珠区"


def test_house_cells_count_and_sum_floor_area_and_withhold_both(open_registry):
    cells = {(c.district_code, c.use): c for c in registry.houses_by_district_use()}
    assert set(cells) == set(open_registry.houses)
    homes = cells[(DISTRICT, "residential")]
    assert (homes.houses, homes.floor_area_m2, homes.suppressed) == (6, Decimal("531.00"), False)
    assert homes.use_name == "住宅"
    shops = cells[(DISTRICT, "commercial")]
    assert (shops.houses, shops.floor_area_m2, shops.suppressed) == (None, None, True)


def test_registry_stamp_moves_when_a_person_is_added(open_registry):
    before = registry.registry_stamp()
    resident(gender="M", birth=aged(30), house=rf.house(street_code=STREET))
    assert registry.registry_stamp() != before


# --- the files ----------------------------------------------------------------------------------


def _download(client, code: str, fmt: str):
    catalogue = ckan.Catalogue.load("")
    dataset = catalogue.dataset(code)
    return client.get(catalogue.download_path(dataset, opendata.FORMATS[fmt]))


def _csv_rows(body: bytes) -> list[dict[str, str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_population_csv_has_the_catalogue_columns_and_shows_withheld_counts(
    client, open_catalogue, open_registry
):
    response = _download(client, POPULATION, "csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{POPULATION}.csv"'
    assert response["Access-Control-Allow-Origin"] == "*"
    body = b"".join(response.streaming_content)
    assert b"\r\n" in body  # RFC 4180 line ends
    rows = _csv_rows(body)
    fields = list(open_catalogue[POPULATION].fields.values_list("name", flat=True))
    assert list(rows[0]) == fields
    by_key = {(r["street_code"], r["age_band"], r["gender"]): r for r in rows}
    assert len(rows) == len(open_registry.population)
    assert by_key[(STREET, "25-44", "M")]["persons"] == "6"
    assert by_key[(STREET, "25-44", "M")]["suppressed"] == "false"
    assert by_key[(STREET, "25-44", "F")]["persons"] == f"<{registry.SMALL_CELL_MIN}"
    assert by_key[(STREET, "25-44", "F")]["suppressed"] == "true"
    assert by_key[(STREET, "75+", "F")]["street_name"] == "赤岗街道"


def test_csv_quotes_and_defuses_a_formula(client, open_catalogue, open_registry):
    body = b"".join(_download(client, LEGAL_PERSONS, "csv").streaming_content)
    rows = _csv_rows(body)
    industries = {r["industry"]: r for r in rows}
    # The comma and quotes inside survive quoting; the leading quote stops a spreadsheet
    # from running it.
    assert industries["'" + FORMULA_INDUSTRY]["legal_persons"] == "5"
    assert FORMULA_INDUSTRY not in industries
    assert '"\'=HYPERLINK(""http://example.com"",""科技"")"' in body.decode("utf-8")


def test_json_has_typed_fields_and_null_for_withheld_cells(client, open_catalogue, open_registry):
    response = _download(client, HOUSES, "json")
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="{HOUSES}.json"'
    document = json.loads(b"".join(response.streaming_content))

    assert document["view"] == "open_houses_by_district_use"
    assert document["small_cell_min"] == registry.SMALL_CELL_MIN
    assert document["as_of"] == timezone.localdate().isoformat()
    assert [f["id"] for f in document["fields"]] == list(
        open_catalogue[HOUSES].fields.values_list("name", flat=True)
    )
    types = {f["id"]: f["type"] for f in document["fields"]}
    assert types == {
        "district_code": "text",
        "district_name": "text",
        "use": "text",
        "use_name": "text",
        "houses": "int",
        "floor_area_m2": "numeric",
        "suppressed": "bool",
    }
    records = {(r["district_code"], r["use"]): r for r in document["records"]}
    assert records[(DISTRICT, "residential")]["houses"] == 6
    assert records[(DISTRICT, "residential")]["floor_area_m2"] == 531.0
    assert records[(DISTRICT, "commercial")] == {
        "district_code": DISTRICT,
        "district_name": "海珠区",
        "use": "commercial",
        "use_name": "商业",
        "houses": None,
        "floor_area_m2": None,
        "suppressed": True,
    }


def test_files_come_from_the_cache_until_the_registry_moves(
    open_registry, django_assert_num_queries
):
    view, fmt = opendata.OPEN_VIEWS["open_population_by_street_age"], opendata.FORMATS["csv"]
    first = opendata.open_file(view, fmt)
    # Only the stamp is read (four index lookups), not the registry.
    with django_assert_num_queries(4):
        again = opendata.open_file(view, fmt)
    assert again.body == first.body

    resident(gender="M", birth=aged(30), house=rf.house(street_code=STREET))
    moved = opendata.open_file(view, fmt)
    assert moved.body != first.body
    rows = {(r["street_code"], r["age_band"], r["gender"]): r for r in _csv_rows(moved.body)}
    assert rows[(STREET, "25-44", "M")]["persons"] == "7"


def test_both_formats_share_one_scan(open_registry, django_assert_num_queries):
    view = opendata.OPEN_VIEWS["open_legal_persons_by_industry_district"]
    stamp = opendata.data_stamp()
    opendata.open_file(view, opendata.FORMATS["csv"], stamp=stamp)
    with django_assert_num_queries(0):
        opendata.open_file(view, opendata.FORMATS["json"], stamp=stamp)


# --- downloads and the page -----------------------------------------------------------------------


def test_downloads_of_hidden_or_unknown_resources_are_not_found(client, open_catalogue):
    catalogue = ckan.Catalogue.load("")
    population = catalogue.dataset(POPULATION)
    csv_format, json_format = opendata.FORMATS["csv"], opendata.FORMATS["json"]
    good = catalogue.download_path(population, csv_format)
    assert client.get(good).status_code == 200
    wrong_extension = good.replace(".csv", ".json")
    other_resource = good.replace(
        population.resource_id(csv_format), population.resource_id(json_format)
    )
    assert client.get(wrong_extension).status_code == 404
    assert client.get(other_resource).status_code == 404  # the JSON resource, named .csv
    assert client.get(good.replace(POPULATION, "person-basic")).status_code == 404

    for status in (ResourceStatus.DRAFT, ResourceStatus.WITHDRAWN):
        DataResource.objects.filter(code=POPULATION).update(status=status)
        assert client.get(good).status_code == 404, status


def test_open_resource_with_a_non_public_field_is_not_served(client, open_catalogue):
    catalogue = ckan.Catalogue.load("")
    path = catalogue.download_path(catalogue.dataset(HOUSES), opendata.FORMATS["json"])
    assert client.get(path).status_code == 200
    ResourceField.objects.create(
        resource=open_catalogue[HOUSES], name="owner", label="产权人", sensitivity="personal"
    )
    assert client.get(path).status_code == 404


def test_page_lists_open_datasets_with_fields_and_downloads(client, open_catalogue):
    DataResource.objects.filter(code=HOUSES).update(status=ResourceStatus.WITHDRAWN)

    response = client.get("/opendata/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>开放数据</h1>" in page
    assert open_catalogue[POPULATION].title in page
    assert open_catalogue[LEGAL_PERSONS].title in page
    assert open_catalogue[HOUSES].title not in page  # withdrawn
    assert open_catalogue["person-basic"].title not in page  # not open
    assert page.count("<caption>") == 2
    assert "广州市公安局" in page and "每日" in page
    assert "<code>street_code</code>" in page
    catalogue = ckan.Catalogue.load("")
    for fmt in opendata.FORMATS.values():
        assert catalogue.download_path(catalogue.dataset(POPULATION), fmt) in page
    assert f"&lt;{registry.SMALL_CELL_MIN}" in page
    assert "/api/3/action/package_search" in page


def test_page_shows_the_size_of_a_file_once_generated(client, open_catalogue, open_registry):
    before = client.get("/opendata/").content.decode()
    body = b"".join(_download(client, POPULATION, "csv").streaming_content)
    after = client.get("/opendata/").content.decode()
    size = filesizeformat(len(body))
    assert size not in before
    assert size in after


# --- the catalogue's open entries -------------------------------------------------------------


def test_open_catalogue_entries_are_aggregates_whose_fields_are_the_columns():
    spec = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    entries = [e for e in spec["resources"] if e.get("open")]
    assert {e["view"] for e in entries} == set(opendata.OPEN_VIEWS)
    for entry in entries:
        view = opendata.OPEN_VIEWS[entry["view"]]
        assert tuple(name for name, _label, _s in entry["fields"]) == view.columns
        assert {s for _n, _l, s in entry["fields"]} == {"public"}
        assert (entry["key_kind"], entry["sharing_type"]) == ("aggregate", "unconditional")
    population = next(e for e in entries if e["view"] == "open_population_by_street_age")
    for label, _limit in registry.AGE_BANDS[:-1]:
        assert label in population["description"]
