"""City-scale import of registry files: rules, rejects, idempotence, history, whole chunks.

Runs on SQLite and on PostgreSQL (DATABASE_URL); the write back-ends differ, the outcomes must not.
"""

import csv
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Model

from cityhall.core.identifiers import resident_id_make, uscc_make
from cityhall.core.models import AuditEntry
from cityhall.geo.models import Grid
from cityhall.geo.services import demo_layout_build
from cityhall.identity.tests import factories as idf
from cityhall.registry.models import (
    Benefit,
    Building,
    BuildingUnit,
    Contribution,
    Employment,
    FactChange,
    House,
    Household,
    LegalPerson,
    Ownership,
    Person,
    RentalRegistration,
    Residence,
)
from cityhall.registry.services import imports
from cityhall.registry.services.imports import (
    KIND_COLUMNS,
    ImportFileError,
    ImportReport,
    clean,
    registry_import,
)
from cityhall.registry.validation import document_index

pytestmark = pytest.mark.django_db

NAMES = ["陈小明", "李华", "王芳", "张伟", "刘洋", "黄敏", "周杰", "吴静", "徐磊", "孙丽"]


@pytest.fixture
def city(db):
    demo_layout_build(communities_per_street=1, grids_per_community=1)
    return {
        "source": idf.unit("440100"),
        "grid": Grid.objects.filter(code__startswith="440105").order_by("code").first(),
        "other_grid": Grid.objects.filter(code__startswith="440106").order_by("code").first(),
    }


def write_csv(path: Path, kind: str, rows: list[dict[str, str]]) -> Path:
    columns = KIND_COLUMNS[kind]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(c, "") for c in columns])
    return path


def rejects_of(report: ImportReport) -> list[tuple[int, str]]:
    with report.rejects_path.open(encoding="utf-8-sig", newline="") as f:
        return [(int(r["row"]), r["code"]) for r in csv.DictReader(f)]


def run(city, kind: str, path: Path, **options) -> ImportReport:
    return registry_import(kind=kind, path=path, source=city["source"], **options)


def resident_id(n: int, district: str = "440105") -> str:
    return resident_id_make(
        division_code=district, birth_date=date(1960, 1, 1) + timedelta(days=97 * n), sequence=n
    )


def uscc(n: int) -> str:
    return uscc_make(
        authority="9", category="1", division_code="440105", organisation_code=f"MA{n:07d}"
    )


def house_rows(grid: Grid, count: int = 4, building: str = "B001") -> list[dict[str, str]]:
    return [
        {
            "building_code": building,
            "building_name": "1栋",
            "address": "海珠区测试路1号",
            "grid_code": grid.code,
            "floors": "18",
            "built_year": "2005",
            "unit_number": "1",
            "house_number": f"{100 + n}",
            "floor": "1",
            "use": "residential",
            "area": "88.50",
        }
        for n in range(1, count + 1)
    ]


def person_row(n: int, **over: str) -> dict[str, str]:
    row = {
        "document_type": "resident_id",
        "document_number": resident_id(n),
        "name": NAMES[n % len(NAMES)],
        "gender": "",
        "birth_date": "",
        "ethnicity": "01",
        "nationality": "CHN",
        "hukou_division_code": "440105001",
        "phone": f"139{n:08d}",
        "status": "alive",
        "household_number": "",
        "relation_to_head": "",
        "house_code": "",
    }
    row.update(over)
    return row


def family_rows() -> list[dict[str, str]]:
    return [
        person_row(1, household_number="H0001", relation_to_head="head", house_code="B001-1-101"),
        person_row(2, household_number="H0001", relation_to_head="spouse", house_code="B001-1-101"),
        person_row(3, household_number="H0002", relation_to_head="head", house_code="B001-1-102"),
        person_row(4, hukou_division_code="110105"),  # registered outside the city, no house
    ]


def company_rows() -> list[dict[str, str]]:
    return [
        {
            "uscc": uscc(1),
            "name": "广州测试科技有限公司",
            "kind": "company",
            "legal_rep_document_type": "resident_id",
            "legal_rep_document_number": resident_id(1),
            "registered_address": "海珠区测试路2号",
            "division_code": "440105",
            "industry": "软件和信息技术服务业",
            "status": "active",
            "established_on": "2015-06-01",
        },
        {
            "uscc": uscc(2),
            "name": "广州测试餐饮店",
            "kind": "individual_business",
            "legal_rep_document_type": "",
            "legal_rep_document_number": "",
            "registered_address": "天河区测试路3号",
            "division_code": "440106",
            "industry": "餐饮业",
            "status": "active",
            "established_on": "2019-01-15",
        },
    ]


def link_rows() -> dict[str, list[dict[str, str]]]:
    return {
        "ownerships": [
            {
                "house_code": "B001-1-101",
                "owner_document_type": "resident_id",
                "owner_document_number": resident_id(1),
                "share": "50",
                "since": "2010-05-01",
            },
            {
                "house_code": "B001-1-101",
                "owner_document_type": "resident_id",
                "owner_document_number": resident_id(2),
                "share": "50",
                "since": "2010-05-01",
            },
            {
                "house_code": "B001-1-103",
                "owner_uscc": uscc(1),
                "share": "100",
                "since": "2016-01-01",
            },
        ],
        "residences": [
            {
                "document_type": "resident_id",
                "document_number": resident_id(3),
                "house_code": "B001-1-102",
                "kind": "tenant",
                "since": "2024-03-01",
                "until": "2026-02-28",
            }
        ],
        "rentals": [
            {
                "number": "ZL2024-0001",
                "house_code": "B001-1-102",
                "landlord_document_type": "resident_id",
                "landlord_document_number": resident_id(1),
                "tenant_documents": f"resident_id:{resident_id(3)}|resident_id:{resident_id(4)}",
                "starts_on": "2024-03-01",
                "ends_on": "2026-02-28",
            }
        ],
        "employment": [
            {
                "document_type": "resident_id",
                "document_number": resident_id(2),
                "uscc": uscc(1),
                "since": "2018-07-01",
                "wage_band": "10000_20000",
            }
        ],
        "contributions": [
            {
                "document_type": "resident_id",
                "document_number": resident_id(2),
                "month": f"2025-{m:02d}",
                "status": "paid",
                "uscc": uscc(1),
                "base": "12000",
            }
            for m in (1, 2, 3)
        ],
        "benefits": [
            {
                "document_type": "resident_id",
                "document_number": resident_id(1),
                "kind": "pension",
                "monthly_amount": "4321.5",
                "since": "2020-05-01",
            },
            {
                "document_type": "resident_id",
                "document_number": resident_id(3),
                "kind": "unemployment",
                "monthly_amount": "1900.00",
                "since": "2024-01-01",
                "until": "2024-12-31",
            },
        ],
    }


def import_city(city, tmp_path: Path) -> dict[str, ImportReport]:
    """Every kind in the documented order; the reports by kind."""
    files = {
        "houses": house_rows(city["grid"]),
        "persons": family_rows(),
        "companies": company_rows(),
        **link_rows(),
    }
    return {
        kind: run(city, kind, write_csv(tmp_path / f"{kind}.csv", kind, rows))
        for kind, rows in files.items()
    }


def snapshot() -> dict[str, object]:
    """Everything an import may touch, as stored (ciphertexts included)."""
    models: list[type[Model]] = [
        Building,
        BuildingUnit,
        House,
        Household,
        Person,
        LegalPerson,
        Ownership,
        Residence,
        RentalRegistration,
        Employment,
        Contribution,
        Benefit,
        FactChange,
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, document_number, phone, updated_at FROM registry_person")
        persons = sorted(cursor.fetchall())
    return {
        "counts": {m.__name__: m._default_manager.count() for m in models},
        "persons": persons,
        "updated": {
            m.__name__: sorted(m._default_manager.values_list("updated_at", flat=True))
            for m in models[:-1]
        },
        "tenants": sorted(
            RentalRegistration.tenants.through.objects.values_list("person_id", flat=True)
        ),
    }


# --- Happy path -----------------------------------------------------------------------------------


def test_every_kind_imports_with_provenance(city, tmp_path):
    reports = import_city(city, tmp_path)

    assert {k: (r.read, r.inserted, r.rejected) for k, r in reports.items()} == {
        "houses": (4, 4, 0),
        "persons": (4, 4, 0),
        "companies": (2, 2, 0),
        "ownerships": (3, 3, 0),
        "residences": (1, 1, 0),
        "rentals": (1, 1, 0),
        "employment": (1, 1, 0),
        "contributions": (3, 3, 0),
        "benefits": (2, 2, 0),
    }
    grid = city["grid"]
    house = House.objects.select_related("unit__building").get(code="B001-1-101")
    assert house.area_code == grid.code and house.unit.building.grid == grid
    assert house.area == Decimal("88.50") and house.unit.number == "1"
    assert Building.objects.count() == 1 and BuildingUnit.objects.count() == 1

    head = Person.objects.get(document_index=document_index("resident_id", resident_id(1)))
    assert head.document_number == resident_id(1) and head.phone == "13900000001"
    assert head.gender and head.birth_date  # derived from the resident ID
    assert head.current_house == house and head.area_code == grid.code
    household = Household.objects.get(members=head)
    assert household.number == "H0001" and head.relation_to_head == "head"
    assert household.hukou_division_code == "440105001"
    assert head.supplied_by == city["source"] and head.supplied_at is not None
    assert household.supplied_by == city["source"]
    outsider = Person.objects.get(document_index=document_index("resident_id", resident_id(4)))
    assert outsider.area_code == "440100" and outsider.current_house is None
    assert Household.objects.count() == 2

    company = LegalPerson.objects.get(uscc=uscc(1))
    assert company.legal_representative == head and company.supplied_by == city["source"]
    assert LegalPerson.objects.get(uscc=uscc(2)).legal_representative is None
    assert Ownership.objects.filter(house=house).count() == 2
    assert Ownership.objects.get(legal_person=company).share == Decimal("100")
    rental = RentalRegistration.objects.get(number="ZL2024-0001")
    assert sorted(p.document_number for p in rental.tenants.all()) == sorted(
        [resident_id(3), resident_id(4)]
    )
    assert rental.landlord == head
    assert Residence.objects.get().until == date(2026, 2, 28)
    assert Employment.objects.get().employer == company
    assert sorted(Contribution.objects.values_list("month", flat=True)) == [
        date(2025, 1, 1),
        date(2025, 2, 1),
        date(2025, 3, 1),
    ]
    pension = Benefit.objects.get(kind="pension")
    assert pension.person == head and pension.until is None
    assert pension.monthly_amount == Decimal("4321.50") and pension.supplied_by == city["source"]
    assert Benefit.objects.get(kind="unemployment").until == date(2024, 12, 31)
    assert FactChange.objects.count() == 0  # nothing changed, everything is new
    assert all(r.rejects_path.exists() and rejects_of(r) == [] for r in reports.values())


def test_encrypted_columns_hold_no_plaintext(city, tmp_path):
    run(city, "houses", write_csv(tmp_path / "h.csv", "houses", house_rows(city["grid"])))
    run(city, "persons", write_csv(tmp_path / "p.csv", "persons", family_rows()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT document_number, phone, document_index FROM registry_person")
        stored = cursor.fetchall()
    assert len(stored) == 4
    plain = {resident_id(n) for n in range(1, 5)} | {f"139{n:08d}" for n in range(1, 5)}
    for document, phone, index in stored:
        assert document not in plain and phone not in plain and index not in plain
        assert not any(p in document or p in phone for p in plain)
        assert document.count("$") == 1  # "<key id>$<sealed>", as the field writes it
    # …and the model field opens what the import sealed.
    assert {p.document_number for p in Person.objects.all()} == {
        resident_id(n) for n in range(1, 5)
    }


# --- Idempotence and history ----------------------------------------------------------------------


def test_reimport_changes_nothing(city, tmp_path):
    import_city(city, tmp_path)
    before = snapshot()

    again = import_city(city, tmp_path)

    assert {k: (r.inserted, r.updated, r.unchanged) for k, r in again.items()} == {
        "houses": (0, 0, 4),
        "persons": (0, 0, 4),
        "companies": (0, 0, 2),
        "ownerships": (0, 0, 3),
        "residences": (0, 0, 1),
        "rentals": (0, 0, 1),
        "employment": (0, 0, 1),
        "contributions": (0, 0, 3),
        "benefits": (0, 0, 2),
    }
    assert snapshot() == before


def test_changed_rows_are_updated_with_history(city, tmp_path):
    houses = house_rows(city["grid"])
    persons = family_rows()
    run(city, "houses", write_csv(tmp_path / "h.csv", "houses", houses))
    first = run(city, "persons", write_csv(tmp_path / "p.csv", "persons", persons))
    person = Person.objects.get(document_index=document_index("resident_id", resident_id(2)))
    supplied_at = person.supplied_at
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_number, phone FROM registry_person WHERE id = %s", [person.pk]
        )
        sealed_document, sealed_phone = cursor.fetchone()
    other_unit = idf.unit("440105")

    persons[1] = {
        **persons[1],
        "name": "李华华",
        "phone": "13700000000",
        "house_code": "B001-1-104",
    }
    houses[3] = {**houses[3], "area": "90.00"}
    run(
        city,
        "houses",
        write_csv(tmp_path / "h2.csv", "houses", houses),
        rejects_path=tmp_path / "x",
    )
    report = registry_import(
        kind="persons", path=write_csv(tmp_path / "p2.csv", "persons", persons), source=other_unit
    )

    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 3)
    assert report.batch != first.batch
    person.refresh_from_db()
    assert person.name == "李华华" and person.phone == "13700000000"
    assert person.current_house == House.objects.get(code="B001-1-104")
    assert person.supplied_by == other_unit and person.supplied_at > supplied_at
    changes = {
        c.field: c
        for c in FactChange.objects.filter(fact_type="registry.Person", fact_id=person.pk)
    }
    assert set(changes) == {"name", "phone", "current_house"}
    assert (changes["name"].old_value, changes["name"].new_value) == (NAMES[2], "李华华")
    assert (changes["phone"].old_value, changes["phone"].new_value) == (
        "13900000002",
        "13700000000",
    )
    new_house = House.objects.get(code="B001-1-104")
    old_house = House.objects.get(code="B001-1-101")
    assert changes["current_house"].old_value == str(old_house.pk)
    assert changes["current_house"].new_value == str(new_house.pk)
    for change in changes.values():
        assert change.supplied_by == other_unit and change.changed_by is None
        assert change.reason == "导入 p2.csv" and change.import_batch == report.batch
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT document_number, phone FROM registry_person WHERE id = %s", [person.pk]
        )
        document_now, phone_now = cursor.fetchone()
    assert document_now == sealed_document  # the key did not change: same ciphertext
    assert phone_now != sealed_phone
    area = FactChange.objects.get(fact_type="registry.House", field="area")
    assert (Decimal(area.old_value), Decimal(area.new_value)) == (
        Decimal("88.50"),
        Decimal("90.00"),
    )
    assert FactChange.objects.count() == 4


def test_link_change_keeps_history_and_tenants_follow(city, tmp_path):
    import_city(city, tmp_path)
    links = link_rows()
    links["residences"][0]["until"] = "2027-02-28"
    links["rentals"][0]["tenant_documents"] = f"resident_id:{resident_id(3)}"
    links["ownerships"][2]["share"] = "80"

    reports = {
        kind: run(city, kind, write_csv(tmp_path / f"{kind}2.csv", kind, links[kind]))
        for kind in ("residences", "rentals", "ownerships")
    }

    assert [reports[k].updated for k in ("residences", "rentals", "ownerships")] == [1, 1, 1]
    assert Residence.objects.get().until == date(2027, 2, 28)
    rental = RentalRegistration.objects.get()
    assert [p.document_number for p in rental.tenants.all()] == [resident_id(3)]
    assert Ownership.objects.get(legal_person__uscc=uscc(1)).share == Decimal("80")
    assert Ownership.objects.count() == 3
    fields = sorted(FactChange.objects.values_list("fact_type", "field"))
    assert fields == [
        ("registry.Ownership", "share"),
        ("registry.RentalRegistration", "tenants"),
        ("registry.Residence", "until"),
    ]


def benefit_row(n: int, **over: str) -> dict[str, str]:
    row = {
        "document_type": "resident_id",
        "document_number": resident_id(n),
        "kind": "subsistence",
        "monthly_amount": "1200.00",
        "since": "2024-07-01",
        "until": "",
    }
    row.update(over)
    return row


def test_bad_benefit_rows_are_rejected_each_for_its_rule(city, tmp_path):
    import_city(city, tmp_path)
    rows = [
        benefit_row(2),
        benefit_row(30),  # nobody holds this document
        benefit_row(2, kind="bonus"),
        benefit_row(2, kind="pension", monthly_amount="0"),
        benefit_row(2, kind="pension", monthly_amount="-100"),
        benefit_row(2, kind="pension", monthly_amount="1200.005"),  # a fraction of a fen
        benefit_row(2, kind="pension", monthly_amount="NaN"),
        benefit_row(4, until="2024-06-30"),  # ends before it starts
        benefit_row(2, monthly_amount="900"),  # person, kind and start of the first row again
        benefit_row(4, since="2024-07-01", until="2024-07-01"),  # a one-day benefit is fine
        benefit_row(2, kind="unemployment", monthly_amount=""),
    ]
    report = run(city, "benefits", write_csv(tmp_path / "b.csv", "benefits", rows))

    assert rejects_of(report) == [
        (3, "unknown_person"),
        (4, "bad_choice"),
        (5, "bad_number"),
        (6, "bad_number"),
        (7, "bad_number"),
        (8, "bad_number"),
        (9, "bad_period"),
        (10, "duplicate"),
        (12, "missing"),
    ]
    assert (report.read, report.inserted, report.rejected) == (11, 2, 9)
    person = Person.objects.get(document_index=document_index("resident_id", resident_id(2)))
    assert Benefit.objects.get(person=person).monthly_amount == Decimal("1200.00")
    assert Benefit.objects.count() == 4  # the two of import_city and the two good rows here
    with report.rejects_path.open(encoding="utf-8-sig", newline="") as f:
        reasons = {int(r["row"]): r["reason"] for r in csv.DictReader(f)}
    assert "证件、待遇类别、起始日期" in reasons[10]


def test_benefit_change_is_updated_with_history_and_reimport_changes_nothing(city, tmp_path):
    import_city(city, tmp_path)
    rows = link_rows()["benefits"]
    rows[0] = {**rows[0], "monthly_amount": "4500.00", "until": "2026-01-31"}
    path = write_csv(tmp_path / "b2.csv", "benefits", rows)

    report = run(city, "benefits", path)

    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 1)
    pension = Benefit.objects.get(kind="pension")
    assert pension.monthly_amount == Decimal("4500.00") and pension.until == date(2026, 1, 31)
    changes = {
        c.field: (c.old_value, c.new_value)
        for c in FactChange.objects.filter(fact_type="registry.Benefit", fact_id=pension.pk)
    }
    assert set(changes) == {"monthly_amount", "until"}
    old, new = changes["monthly_amount"]
    assert (Decimal(old), Decimal(new)) == (Decimal("4321.50"), Decimal("4500.00"))
    assert changes["until"] == ("", "2026-01-31")
    before = snapshot()

    again = run(city, "benefits", path)

    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 2, 0)
    assert snapshot() == before


# --- Malformed files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["document_type", "document_number", "name"], "缺少列"),
        ([*KIND_COLUMNS["persons"], "remark"], "多余的列"),
        ([*KIND_COLUMNS["persons"], "name"], "重复的列"),
    ],
)
def test_wrong_header_fails_before_writing(city, tmp_path, header, message):
    path = tmp_path / "p.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, ["resident_id", resident_id(1), "陈小明"]])
    with pytest.raises(ImportFileError) as failure:
        run(city, "persons", path)
    assert message in failure.value.message
    assert Person.objects.count() == 0
    assert not (tmp_path / "p.rejects.csv").exists()


def test_empty_file_is_refused(city, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"")
    with pytest.raises(ImportFileError, match="文件为空"):
        run(city, "persons", path)
    path.write_bytes(b"\xef\xbb\xbf")  # a BOM alone is still empty
    with pytest.raises(ImportFileError, match="文件为空"):
        run(city, "persons", path)


def test_header_only_imports_nothing(city, tmp_path):
    report = run(city, "persons", write_csv(tmp_path / "p.csv", "persons", []))
    assert (report.read, report.inserted, report.rejected) == (0, 0, 0)


def test_bad_encoding_rejects_the_row_only(city, tmp_path):
    path = write_csv(tmp_path / "p.csv", "persons", [person_row(n) for n in range(1, 5)])
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace(NAMES[2].encode(), "Jos\xe9".encode("latin-1"))  # row 3 of the file
    path.write_bytes(b"\n".join(lines))

    report = run(city, "persons", path)

    assert rejects_of(report) == [(3, "bad_encoding")]
    assert report.inserted == 3 and Person.objects.count() == 3
    with report.rejects_path.open(encoding="utf-8-sig") as f:
        assert "Jos\ufffd" in f.read()  # the rejects file itself stays valid UTF-8


def test_unreadable_header_fails(city, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(",".join(KIND_COLUMNS["persons"]).encode() + b"\xff\n")
    with pytest.raises(ImportFileError, match="UTF-8"):
        run(city, "persons", path)


def test_bom_and_crlf_are_tolerated(city, tmp_path):
    text = StringIO()
    writer = csv.writer(text)  # the csv module writes \r\n
    writer.writerow(KIND_COLUMNS["persons"])
    writer.writerow([person_row(1)[c] for c in KIND_COLUMNS["persons"]])
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.getvalue().encode())
    assert run(city, "persons", path).inserted == 1


def test_a_tenth_of_bad_rows_are_rejected_with_their_line_numbers(city, tmp_path):
    run(city, "houses", write_csv(tmp_path / "h.csv", "houses", house_rows(city["grid"])))
    rows = [person_row(n, house_code="B001-1-101") for n in range(1, 51)]
    bad_check = resident_id(60)
    rows[4] = person_row(
        60, document_number=bad_check[:-1] + ("0" if bad_check[-1] != "0" else "1")
    )
    rows[12] = person_row(61, birth_date="1999-01-01")
    rows[20] = person_row(62, hukou_division_code="440105999")  # no such street
    rows[31] = person_row(63, house_code="B999-1-101")
    rows[44] = person_row(7, name="重复")  # the key of row 7 of the list again
    rows[47] = person_row(64, hukou_division_code="440105001999")  # no such community either
    path = write_csv(tmp_path / "p.csv", "persons", rows)

    report = run(city, "persons", path, chunk_rows=8)

    # Line numbers in the file: header = 1, rows[i] = i + 2.
    assert rejects_of(report) == [
        (6, "resident_id_check"),
        (14, "birth_date_mismatch"),
        (22, "unknown_division"),
        (33, "unknown_house"),
        (46, "duplicate"),
        (49, "unknown_division"),
    ]
    assert (report.read, report.inserted, report.rejected) == (50, 44, 6)
    assert Person.objects.count() == 44
    with report.rejects_path.open(encoding="utf-8-sig", newline="") as f:
        first = next(csv.DictReader(f))
    assert first["document_number"] == rows[4]["document_number"] and first["reason"]
    assert list(first)[:3] == ["row", "code", "reason"]


def test_outside_the_city_only_the_shape_is_checked(city, tmp_path):
    rows = [
        person_row(1, hukou_division_code="110105"),  # Beijing: not in our table, accepted
        person_row(2, hukou_division_code="4401"),  # not a division code at all
        person_row(3, hukou_division_code="440100"),  # the city is not a district
    ]
    report = run(city, "persons", write_csv(tmp_path / "p.csv", "persons", rows))
    assert rejects_of(report) == [(3, "bad_division"), (4, "unknown_division")]


def test_rows_with_a_wrong_number_of_cells_are_rejected(city, tmp_path):
    path = write_csv(tmp_path / "p.csv", "persons", [person_row(1), person_row(2)])
    with path.open("a", encoding="utf-8") as f:
        f.write("resident_id,123\n")
    report = run(city, "persons", path)
    assert rejects_of(report) == [(4, "bad_columns")]
    assert report.inserted == 2


def test_a_multiline_cell_keeps_line_numbers_right(city, tmp_path):
    rows = [person_row(1), person_row(2, phone="139\n12345678"), person_row(3, name="x<y>")]
    report = run(city, "persons", write_csv(tmp_path / "p.csv", "persons", rows))
    # Row 2 spans lines 3–4, so the next record starts on line 5.
    assert rejects_of(report) == [(3, "bad_phone"), (5, "bad_name")]


def test_quoted_commas_and_quotes_survive_and_broken_quoting_is_rejected(city, tmp_path):
    houses = house_rows(city["grid"], count=2)
    for row in houses:
        row["address"] = '海珠区"新港"路1号, 2栋\n(北门)'  # quotes, a comma, a line end
    report = run(city, "houses", write_csv(tmp_path / "h.csv", "houses", houses))
    assert report.inserted == 2 and rejects_of(report) == []
    assert Building.objects.get().address == '海珠区"新港"路1号, 2栋\n(北门)'

    path = write_csv(tmp_path / "p.csv", "persons", [person_row(1), person_row(2)])
    with path.open("ab") as f:
        f.write(b"resident_id,x\ry,z\n")  # a bare carriage return outside quotes
        f.write(b'resident_id,"never closed\n' + b"and on\n")
    report = run(city, "persons", path)
    assert rejects_of(report) == [(4, "bad_csv"), (5, "bad_csv")]
    assert report.inserted == 2


def test_a_second_head_is_refused_but_a_change_of_head_is_not(city, tmp_path):
    rows = [
        person_row(1, household_number="H1", relation_to_head="head"),
        person_row(2, household_number="H1", relation_to_head="head"),
    ]
    report = run(city, "persons", write_csv(tmp_path / "p.csv", "persons", rows))
    assert rejects_of(report) == [(3, "household_head")]
    # Next year the spouse heads the household: the new head's row comes first.
    rows = [
        person_row(2, household_number="H1", relation_to_head="head", hukou_division_code="440106"),
        person_row(1, household_number="H1", relation_to_head="spouse"),
    ]
    report = run(city, "persons", write_csv(tmp_path / "p2.csv", "persons", rows))
    assert rejects_of(report) == [] and (report.inserted, report.updated) == (1, 1)
    household = Household.objects.get(number="H1")
    assert household.hukou_division_code == "440106"
    assert household.members.get(relation_to_head="head").document_number == resident_id(2)
    change = FactChange.objects.get(fact_type="registry.Household")
    assert (change.old_value, change.new_value) == ("440105001", "440106")


def test_unknown_references_and_bad_links_are_rejected(city, tmp_path):
    import_city(city, tmp_path)
    rows = [
        *link_rows()["ownerships"],
        {"house_code": "B001-1-104", "owner_uscc": uscc(9), "share": "100", "since": "2020-01-01"},
        {
            "house_code": "B001-1-104",
            "owner_document_type": "resident_id",
            "owner_document_number": resident_id(30),
            "share": "100",
            "since": "2020-01-01",
        },
        {"house_code": "B001-1-104", "share": "100", "since": "2020-01-01"},
        {"house_code": "B001-1-104", "owner_uscc": uscc(1), "share": "150", "since": "2020-01-01"},
        {"house_code": "B001-1-104", "owner_uscc": uscc(1), "share": "100", "since": "2021-01-01"},
    ]
    report = run(city, "ownerships", write_csv(tmp_path / "o.csv", "ownerships", rows))
    assert rejects_of(report) == [
        (5, "unknown_company"),
        (6, "unknown_person"),
        (7, "bad_owner"),
        (8, "bad_share"),  # share above 100
    ]
    assert (report.inserted, report.unchanged) == (1, 3)


def test_a_row_the_database_refuses_is_rejected_alone(city, tmp_path, monkeypatch):
    """A rule only the database knows (here: the share range, with the Python check lifted) sends
    the chunk row by row, so only the offending row is rejected."""
    import_city(city, tmp_path)
    monkeypatch.setattr(clean, "share_check", lambda value: value)
    rows = [
        {"house_code": "B001-1-104", "owner_uscc": uscc(1), "share": "150", "since": "2020-01-01"},
        {"house_code": "B001-1-104", "owner_uscc": uscc(1), "share": "60", "since": "2022-01-01"},
    ]
    report = run(city, "ownerships", write_csv(tmp_path / "o2.csv", "ownerships", rows))
    assert rejects_of(report) == [(2, "constraint")]
    assert report.inserted == 1


# --- Whole chunks ---------------------------------------------------------------------------------


def test_a_failure_mid_import_leaves_whole_chunks(city, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "p.csv", "persons", [person_row(n) for n in range(1, 26)])
    calls = []
    apply = imports._APPLIERS["persons"]

    def failing(run_, records):
        calls.append(len(records))
        if len(calls) == 2:
            apply(run_, records)  # written, then the chunk fails: all of it must go
            raise RuntimeError("disk full")
        return apply(run_, records)

    monkeypatch.setitem(imports._APPLIERS, "persons", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        run(city, "persons", path, chunk_rows=10)

    assert calls == [10, 10]
    assert Person.objects.count() == 10
    assert set(Person.objects.values_list("document_index", flat=True)) == {
        document_index("resident_id", resident_id(n)) for n in range(1, 11)
    }


def test_worker_processes_give_the_same_result(city, tmp_path):
    rows = [person_row(n) for n in range(1, 31)]
    rows[9] = person_row(40, birth_date="1999-01-01")
    report = run(
        city, "persons", write_csv(tmp_path / "p.csv", "persons", rows), chunk_rows=7, workers=2
    )
    assert rejects_of(report) == [(11, "birth_date_mismatch")]
    assert report.inserted == 29 and Person.objects.count() == 29


# --- The command ----------------------------------------------------------------------------------


def test_command_prints_a_summary(city, tmp_path):
    run(city, "houses", write_csv(tmp_path / "h.csv", "houses", house_rows(city["grid"])))
    path = write_csv(tmp_path / "p.csv", "persons", [*family_rows(), person_row(1)])
    out, err = StringIO(), StringIO()
    call_command(
        "registry_import",
        "persons",
        str(path),
        "--source",
        "440100-T",
        "--progress",
        stdout=out,
        stderr=err,
    )
    summary = out.getvalue()
    assert "read 5" in summary and "inserted 4" in summary and "rejected 1" in summary
    assert str(tmp_path / "p.rejects.csv") in summary
    assert "rows/s" in err.getvalue()


def test_command_refuses_an_unknown_source_or_a_bad_file(city, tmp_path):
    path = write_csv(tmp_path / "p.csv", "persons", family_rows())
    with pytest.raises(CommandError, match="NOPE"):
        call_command("registry_import", "persons", str(path), "--source", "NOPE")
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(CommandError, match="文件为空"):
        call_command("registry_import", "persons", str(tmp_path / "e.csv"), "--source", "440100-T")


def test_an_import_that_changes_the_registry_is_audited_once(city, tmp_path):
    import_city(city, tmp_path)
    entries = AuditEntry.objects.filter(event="registry.imported")
    persons = entries.get(detail__kind="persons")
    assert persons.actor_label == f"import:{city['source'].code}"
    assert (persons.detail["inserted"], persons.detail["rejected"]) == (4, 0)
    count = entries.count()
    import_city(city, tmp_path)  # writes nothing, so leaves no entry either
    assert AuditEntry.objects.filter(event="registry.imported").count() == count
