import csv
from pathlib import Path

import pytest

from cityhall.geo.models import Division, DivisionLevel

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.django_db
def test_migration_loads_city_districts_and_streets():
    assert Division.objects.filter(level=DivisionLevel.CITY).count() == 1
    assert Division.objects.filter(level=DivisionLevel.DISTRICT).count() == 11
    streets = Division.objects.filter(level=DivisionLevel.STREET)
    assert streets.count() == 177
    assert streets.filter(name__endswith="街道").count() == 143
    assert streets.filter(name__endswith="镇").count() == 34


@pytest.mark.django_db
def test_real_codes_names_and_parents():
    city = Division.objects.get(code="440100")
    assert city.name == "广州市" and city.parent is None
    haizhu = Division.objects.get(code="440105")
    assert haizhu.name == "海珠区"
    assert haizhu.parent == city
    assert haizhu.children.count() == 18
    conghua = Division.objects.get(code="440117")
    assert conghua.name == "从化区"
    # Every street's code is its district's code plus three digits.
    for street in Division.objects.filter(level=DivisionLevel.STREET).select_related("parent"):
        district = street.parent
        assert district is not None and district.level == DivisionLevel.DISTRICT
        assert street.code.startswith(district.code) and len(street.code) == 9


@pytest.mark.django_db
def test_every_row_of_the_reference_file_is_loaded_with_its_source():
    with (DATA / "guangzhou_divisions.csv").open(encoding="utf-8") as fh:
        rows = {row["code"]: row["name"] for row in csv.DictReader(fh)}
    loaded = dict(Division.objects.values_list("code", "name"))
    assert {code: loaded.get(code) for code in rows} == rows
    assert not Division.objects.filter(source="").exists()
    assert Division.objects.get(code="440103001").source.startswith("民政部")


@pytest.mark.django_db
def test_districts_have_centres_inside_guangzhou():
    districts = Division.objects.filter(level=DivisionLevel.DISTRICT)
    centres = {}
    for district in districts:
        lat, lng = district.centre_lat, district.centre_lng
        assert lat is not None and lng is not None, district.name
        assert 22.55 <= lat <= 23.95 and 112.95 <= lng <= 114.05, district.name
        centres[district.name] = (lat, lng)
    # 天河区's seat lies east of 越秀区's, and 从化区's is the northernmost.
    assert centres["天河区"][1] > centres["越秀区"][1]
    assert max(centres.values()) == centres["从化区"]
