"""synth_city: a synthetic city whose files follow docs/registry-files.md and the registry rules."""

import csv
import io
import random
import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from cityhall.core.errors import DomainError
from cityhall.core.identifiers import resident_id_make, resident_id_parse, uscc_make, uscc_parse
from cityhall.geo.services import demo_layout_build
from cityhall.registry import synth
from cityhall.registry.synth import benefits as synth_benefits
from cityhall.registry.validation import (
    amount_check,
    benefit_kind_check,
    company_clean,
    contribution_status_check,
    document_parse,
    house_clean,
    house_code,
    parse_date,
    parse_decimal,
    period_check,
    person_clean,
    residence_kind_check,
    wage_band_check,
)

AS_OF = date(2025, 6, 30)  # pinned, and in the past: resident IDs may not be born tomorrow
PERSONS, COMPANIES, MONTHS = 2000, 100, 12
DOC = Path(__file__).resolve().parents[3] / "docs" / "registry-files.md"
GUANGZHOU_DISTRICTS = {
    "440103", "440104", "440105", "440106", "440111", "440112",
    "440113", "440114", "440115", "440117", "440118",
}  # fmt: skip


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker, tmp_path_factory):
    """One small city, a second run through the command with the same seed, one with another."""
    first, again, other = (tmp_path_factory.mktemp(name) for name in ("first", "again", "other"))
    out = io.StringIO()
    with django_db_blocker.unblock(), transaction.atomic():
        demo_layout_build(communities_per_street=1, grids_per_community=1)
        report = synth.city_write(
            out_dir=first, persons=PERSONS, companies=COMPANIES, seed=7, as_of=AS_OF
        )
        call_command(
            "synth_city",
            out=again,
            persons=PERSONS,
            companies=COMPANIES,
            seed=7,
            as_of=AS_OF,
            stdout=out,
        )
        synth.city_write(out_dir=other, persons=PERSONS, companies=COMPANIES, seed=8, as_of=AS_OF)
        transaction.set_rollback(True)
    files = {}
    for name in synth.FILES:
        with (first / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            files[name] = list(csv.reader(handle))
    return SimpleNamespace(
        dir=first,
        again=again,
        other=other,
        report=report,
        output=out.getvalue(),
        header={name: rows[0] for name, rows in files.items()},
        rows={
            name: [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
            for name, rows in files.items()
        },
        raw=files,
    )


def _documented_columns():
    """The columns of each file, as the table in docs/registry-files.md lists them."""
    columns = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        text = re.sub(r"`[^`]*`", "", line)  # code spans hold `|` and `,` of their own
        cells = [cell.strip() for cell in text.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] in synth.FILES:
            listed = re.sub(r"\([^)]*\)", "", cells[2])
            columns[cells[0]] = [column.strip() for column in listed.split(",")]
    return columns


def _document(row, prefix=""):
    return (row[f"{prefix}document_type"], row[f"{prefix}document_number"])


def _age(birth_date: str) -> float:
    return (AS_OF - date.fromisoformat(birth_date)).days / 365.2425


def _is_local(person) -> bool:
    return person["document_type"] == "resident_id" and person["hukou_division_code"].startswith(
        "4401"
    )


# --- Format -------------------------------------------------------------------------------------


def test_files_have_exactly_the_documented_headers(city):
    documented = _documented_columns()
    assert list(documented) == list(synth.FILES)  # every kind, in the documented import order
    for name, columns in documented.items():
        assert city.header[name] == columns, name


def test_every_row_is_as_wide_as_its_header_and_needs_no_quoting(city):
    for name, rows in city.raw.items():
        assert len(rows) > 1, name
        assert {len(row) for row in rows} == {len(rows[0])}, name
        assert '"' not in (city.dir / f"{name}.csv").read_text(encoding="utf-8"), name


def test_report_counts_the_rows_written(city):
    assert city.report.rows == {name: len(rows) for name, rows in city.rows.items()}
    assert city.report.rows["persons"] == PERSONS
    assert city.report.rows["companies"] == COMPANIES
    assert city.report.seconds > 0


# --- The registry's rules -----------------------------------------------------------------------


def test_persons_pass_validation_and_agree_with_their_ids(city):
    for row in city.rows["persons"]:
        values = person_clean(row)
        if row["document_type"] in ("resident_id", "hmt_residence"):
            parsed = resident_id_parse(row["document_number"])  # the fast path's numbers
            assert (parsed.gender, parsed.birth_date.isoformat()) == (
                row["gender"],
                row["birth_date"],
            )
            assert values.gender == row["gender"]
        assert row["status"] != "alive" or row["house_code"], row
    documents = [_document(row) for row in city.rows["persons"]]
    assert len(set(documents)) == len(documents)


def test_id_division_codes_are_guangzhou_districts_for_locals_and_the_hukou_for_migrants(city):
    for row in city.rows["persons"]:
        division = row["document_number"][:6]
        hukou = row["hukou_division_code"]
        if row["document_type"] == "hmt_residence":
            assert division in ("810000", "820000", "830000") and hukou == division
        elif row["document_type"] == "resident_id" and hukou.startswith("4401"):
            assert division in GUANGZHOU_DISTRICTS
            assert len(hukou) in (6, 9) and hukou[:6] in GUANGZHOU_DISTRICTS
        elif row["document_type"] == "resident_id":
            assert hukou == division and division[:2] in (
                "36",
                "41",
                "42",
                "43",
                "44",
                "45",
                "50",
                "51",
                "52",
            )


def test_houses_and_companies_pass_validation(city):
    for row in city.rows["houses"]:
        house = house_clean(row)
        if house.use == "residential":
            assert 40 <= house.area <= 160
    codes = [
        house_code(r["building_code"], r["unit_number"], r["house_number"])
        for r in city.rows["houses"]
    ]
    assert len(set(codes)) == len(codes)
    authority = {
        "company": "91",
        "individual_business": "92",
        "social_organisation": "51",
        "public_institution": "12",
    }
    for row in city.rows["companies"]:
        company = company_clean(row)
        assert company.uscc[:2] == authority[company.kind]
        assert date(1990, 1, 1) <= company.established_on <= AS_OF
        assert company.industry
    assert Counter(row["kind"] for row in city.rows["companies"]).most_common(1)[0][0] == "company"


def test_link_rows_pass_their_checks(city):
    for row in city.rows["ownerships"]:
        assert bool(row["owner_uscc"]) != bool(row["owner_document_number"]), row
        if row["owner_uscc"]:
            uscc_parse(row["owner_uscc"])
        else:
            document_parse(row["owner_document_type"], row["owner_document_number"])
        assert 0 < parse_decimal(row["share"], "share") <= 100
        until = parse_date(row["until"], "until") if row["until"] else None
        period_check(parse_date(row["since"], "since"), until)
    for row in city.rows["residences"]:
        residence_kind_check(row["kind"])
        assert parse_date(row["since"], "since") <= AS_OF and not row["until"]
    for row in city.rows["rentals"]:
        period_check(
            parse_date(row["starts_on"], "starts_on"), parse_date(row["ends_on"], "ends_on")
        )
        for tenant in row["tenant_documents"].split("|"):
            document_parse(*tenant.split(":"))
    for row in city.rows["employment"]:
        wage_band_check(row["wage_band"])
        until = parse_date(row["until"], "until") if row["until"] else None
        period_check(parse_date(row["since"], "since"), until)
    for row in city.rows["contributions"]:
        contribution_status_check(row["status"])
        assert re.fullmatch(r"\d{4}-\d{2}", row["month"])
        assert 4000 <= parse_decimal(row["base"], "base") <= 30000
    for row in city.rows["benefits"]:
        benefit_kind_check(row["kind"])
        amount_check(parse_decimal(row["monthly_amount"], "monthly_amount"), "monthly_amount")
        since = parse_date(row["since"], "since")
        until = parse_date(row["until"], "until") if row["until"] else None
        period_check(since, until)
        assert since.day == 1 and since <= AS_OF  # paid by the month, and already granted
        assert until is None or until < AS_OF  # an end date means it has ended
    keys = Counter((*_document(r), r["kind"], r["since"]) for r in city.rows["benefits"])
    assert max(keys.values()) == 1  # the import's key


def test_households_have_exactly_one_head_and_share_its_hukou(city):
    households = defaultdict(list)
    for row in city.rows["persons"]:
        assert bool(row["household_number"]) == bool(row["relation_to_head"])
        if row["household_number"]:
            households[row["household_number"]].append(row)
    assert households
    for members in households.values():
        heads = [m for m in members if m["relation_to_head"] == "head"]
        assert len(heads) == 1
        assert {m["hukou_division_code"] for m in members} == {heads[0]["hukou_division_code"]}
        assert all(_is_local(m) for m in members)
    relations = Counter(row["relation_to_head"] for row in city.rows["persons"])
    assert relations["spouse"] and relations["child"] and relations["parent"]


# --- References ---------------------------------------------------------------------------------


def test_references_resolve(city):
    rows = city.rows
    houses = {
        house_code(r["building_code"], r["unit_number"], r["house_number"]) for r in rows["houses"]
    }
    persons = {_document(r): r for r in rows["persons"]}
    usccs = {r["uscc"]: r for r in rows["companies"]}
    for name in ("persons", "residences", "ownerships", "rentals"):
        codes = {r["house_code"] for r in rows[name] if r["house_code"]}
        assert codes and codes <= houses, name
    for name in ("employment", "contributions"):
        assert {r["uscc"] for r in rows[name]} <= set(usccs), name
    assert {_document(r) for r in rows["residences"]} <= set(persons)
    assert {_document(r) for r in rows["employment"]} <= set(persons)
    assert {_document(r) for r in rows["benefits"]} <= set(persons)
    owners = [r for r in rows["ownerships"] if not r["owner_uscc"]]
    assert {_document(r, "owner_") for r in owners} <= set(persons)
    assert {r["owner_uscc"] for r in rows["ownerships"] if r["owner_uscc"]} <= set(usccs)
    current_owners = {(r["house_code"], *_document(r, "owner_")) for r in owners if not r["until"]}
    for rental in rows["rentals"]:
        landlord = _document(rental, "landlord_")
        assert persons[landlord]["status"] == "alive"
        assert (rental["house_code"], *landlord) in current_owners
        for tenant in rental["tenant_documents"].split("|"):
            person = persons[tuple(tenant.split(":"))]
            assert not _is_local(person) and person["house_code"] == rental["house_code"]
    for company in rows["companies"]:
        rep = persons[_document(company, "legal_rep_")]
        assert rep["status"] == "alive" and _age(rep["birth_date"]) >= 18


def test_persons_live_where_their_residence_says(city):
    residences = {(*_document(r), r["house_code"]) for r in city.rows["residences"]}
    for row in city.rows["persons"]:
        if row["house_code"]:
            assert (*_document(row), row["house_code"]) in residences


def test_contributions_are_monthly_for_the_employed(city):
    months = Counter((*_document(r), r["month"]) for r in city.rows["contributions"])
    assert max(months.values()) == 1  # one row per person and month
    labels = sorted({r["month"] for r in city.rows["contributions"]})
    assert len(labels) == MONTHS and labels[-1] == "2025-05"  # the last whole month before AS_OF
    employed = {_document(r) for r in city.rows["employment"]}
    assert {_document(r) for r in city.rows["contributions"]} <= employed
    active = {r["uscc"] for r in city.rows["companies"] if r["status"] == "active"}
    current = {r["uscc"] for r in city.rows["employment"] if not r["until"]}
    assert current <= active
    statuses = Counter(r["status"] for r in city.rows["contributions"])
    assert statuses["paid"] > 0.85 * sum(statuses.values()) and statuses["arrears"]


# --- Realism ------------------------------------------------------------------------------------


def test_persons_spread_over_districts_like_the_census(city):
    districts = Counter(r["house_code"][:6] for r in city.rows["persons"] if r["house_code"])
    assert set(districts) == GUANGZHOU_DISTRICTS
    assert districts["440111"] > districts["440117"] and districts["440113"] > districts["440117"]
    largest = {code for code, _ in districts.most_common(4)}
    assert "440111" in largest  # 白云, the most populous district


def test_shares_are_plausible(city):
    rows = city.rows
    alive = [r for r in rows["persons"] if r["status"] == "alive"]
    migrants = sum(not _is_local(r) for r in alive) / len(alive)
    assert 0.35 <= migrants <= 0.55
    residential = sum(r["use"] == "residential" for r in rows["houses"])
    assert 0.22 <= len(rows["rentals"]) / residential <= 0.40
    ages = [_age(r["birth_date"]) for r in alive]
    assert 0.65 <= sum(15 <= a < 60 for a in ages) / len(ages) <= 0.85  # working-age heavy
    assert 0.08 <= sum(a < 15 for a in ages) / len(ages) <= 0.22
    assert max(ages) < 101
    working = [r for r in alive if 16 <= _age(r["birth_date"]) < 60]
    employed = {_document(r) for r in rows["employment"] if not r["until"]}
    assert 0.5 <= sum(_document(r) in employed for r in working) / len(working) <= 0.7
    households = Counter(r["household_number"] for r in rows["persons"] if r["household_number"])
    assert 2.4 <= sum(households.values()) / len(households) <= 3.2
    documents = Counter(r["document_type"] for r in rows["persons"])
    assert 0 < sum(n for kind, n in documents.items() if kind != "resident_id") < 0.02 * PERSONS
    statuses = Counter(r["status"] for r in rows["persons"])
    assert statuses["alive"] > 0.97 * PERSONS and statuses["deceased"] and statuses["moved_away"]
    assert Counter(r["ethnicity"] for r in rows["persons"]).most_common(1)[0][0] == "01"
    bands = Counter(r["wage_band"] for r in rows["employment"])
    assert bands.most_common(1)[0][0] == "5000_10000"


def _retired(person) -> bool:
    return _age(person["birth_date"]) >= (60 if person["gender"] == "M" else 55)


def test_benefits_are_plausible(city):
    rows = city.rows
    persons = {_document(r): r for r in rows["persons"]}
    by_kind = defaultdict(list)
    for row in rows["benefits"]:
        by_kind[row["kind"]].append(row)
    assert set(by_kind) == {"pension", "unemployment", "subsistence"}
    pensioners = {_document(r) for r in by_kind["pension"] if not r["until"]}
    retired = [d for d, p in persons.items() if p["status"] == "alive" and _retired(p)]
    assert 0.55 <= sum(d in pensioners for d in retired) / len(retired) <= 0.75
    for row in by_kind["pension"]:
        person = persons[_document(row)]
        assert _retired(person) and 2000 <= float(row["monthly_amount"]) <= 6000
        # From the month after retirement.
        birth = date.fromisoformat(person["birth_date"])
        retirement_year = birth.year + (60 if person["gender"] == "M" else 55)
        assert row["since"][:4] in (str(retirement_year), str(retirement_year + 1)), row
    employed = {_document(r) for r in rows["employment"] if not r["until"]}
    for row in by_kind["unemployment"]:
        assert 1800 <= float(row["monthly_amount"]) <= 2000
        assert date.fromisoformat(row["since"]) > date(AS_OF.year - 2, AS_OF.month, 1)
        if _document(row) not in employed:  # the planted are at work, whatever their age
            assert not _retired(persons[_document(row)])
    ended = sum(bool(r["until"]) for r in by_kind["unemployment"])
    assert ended > len(by_kind["unemployment"]) / 2  # mostly ended
    subsistence = {_document(r) for r in by_kind["subsistence"]}
    assert all(_is_local(persons[d]) for d in subsistence)
    assert 0.002 * PERSONS <= len(subsistence) <= 0.01 * PERSONS
    assert all(float(r["monthly_amount"]) <= 1200 for r in by_kind["subsistence"])
    moved = {d for d, p in persons.items() if p["status"] == "moved_away"}
    assert not moved & {_document(r) for r in rows["benefits"]}


def test_unemployment_benefit_goes_to_persons_out_of_work_but_for_the_planted(city):
    employed = {_document(r) for r in city.rows["employment"] if not r["until"]}
    recipients = {_document(r) for r in city.rows["benefits"] if r["kind"] == "unemployment"}
    out_of_work = [
        _document(p)
        for p in city.rows["persons"]
        if p["status"] == "alive"
        and _age(p["birth_date"]) >= 18
        and not _retired(p)
        and _document(p) not in employed
    ]
    assert 0.01 <= sum(d in recipients for d in out_of_work) / len(out_of_work) <= 0.08
    planted = city.report.planted[synth.PLANTED_UNEMPLOYED_WHILE_EMPLOYED]
    assert len(recipients & employed) == planted


def test_benefits_have_a_random_stream_of_their_own(city, db, tmp_path, monkeypatch):
    """Deciding benefits otherwise changes benefits.csv alone: the other files are as they were
    before benefits existed (the demo and benchmark cities did not move)."""
    monkeypatch.setattr(synth_benefits, "_PENSION_SHARE", 0.2)
    demo_layout_build(communities_per_street=1, grids_per_community=1)
    synth.city_write(out_dir=tmp_path, persons=PERSONS, companies=COMPANIES, seed=7, as_of=AS_OF)
    for name in synth.FILES:
        same = (tmp_path / f"{name}.csv").read_bytes() == (city.dir / f"{name}.csv").read_bytes()
        assert same == (name != "benefits"), name


# --- Planted cases ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def town(django_db_setup, django_db_blocker, tmp_path_factory):
    """A city of 20,000: big enough for each planted case to occur."""
    out = tmp_path_factory.mktemp("town")
    with django_db_blocker.unblock(), transaction.atomic():
        demo_layout_build(communities_per_street=1, grids_per_community=1)
        report = synth.city_write(out_dir=out, persons=20_000, companies=1000, seed=11, as_of=AS_OF)
        transaction.set_rollback(True)
    rows = {}
    for name in ("persons", "employment", "contributions", "benefits"):
        with (out / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            rows[name] = list(csv.DictReader(handle))
    return SimpleNamespace(report=report, rows=rows)


def test_planted_unemployment_benefits_of_well_paid_contributors(town):
    """About 0.2 % of employees with a wage of 10,000 or more, paid up on a base of 10,000 or
    more for the last three months, draw a current unemployment benefit; nobody else at work
    does."""
    rows = town.rows
    recent = sorted({r["month"] for r in rows["contributions"]})[-3:]
    paid: dict[tuple[str, str], int] = Counter()
    for r in rows["contributions"]:
        if r["month"] in recent and r["status"] == "paid" and float(r["base"]) >= 10_000:
            paid[_document(r)] += 1
    high = {"10000_20000", "gt20000"}
    jobs = [r for r in rows["employment"] if not r["until"]]
    candidates = {_document(r) for r in jobs if r["wage_band"] in high and paid[_document(r)] == 3}
    current = [r for r in rows["benefits"] if r["kind"] == "unemployment" and not r["until"]]
    drawing = {_document(r) for r in current}
    planted = town.report.planted[synth.PLANTED_UNEMPLOYED_WHILE_EMPLOYED]
    assert planted > 0
    assert len(candidates & drawing) == planted
    assert not ({_document(r) for r in jobs} - candidates) & drawing
    assert 0.001 <= planted / len(candidates) <= 0.004
    # Drawn for the whole of each recent month, beside that month's paid contribution.
    assert all(r["since"] <= f"{recent[0]}-01" for r in current if _document(r) in candidates)


def test_planted_benefits_of_the_deceased(town):
    """About 2 % of deceased persons still draw a current benefit; the others' pensions ended."""
    deceased = {_document(r) for r in town.rows["persons"] if r["status"] == "deceased"}
    current = [r for r in town.rows["benefits"] if not r["until"] and _document(r) in deceased]
    planted = town.report.planted[synth.PLANTED_DECEASED_WITH_BENEFIT]
    assert planted > 0 and len(current) == planted
    assert {r["kind"] for r in current} <= {"pension", "subsistence"}
    assert planted <= len(deceased) / 50 + 1
    ended = [r for r in town.rows["benefits"] if r["until"] and _document(r) in deceased]
    assert len(ended) > len(deceased) / 3  # most of the dead had drawn a pension
    # Ended before the recent months, so a check of any of them finds only the planted.
    recent = sorted({r["month"] for r in town.rows["contributions"]})[-3:]
    assert all(r["until"] < f"{recent[0]}-01" for r in ended)


def test_local_surnames_are_cantonese(city):
    surnames = Counter(r["name"][0] for r in city.rows["persons"] if _is_local(r))
    assert "陈" in {name for name, _ in surnames.most_common(2)}


# --- Reproducibility and the command ------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_other_files(city):
    for name in synth.FILES:
        first = (city.dir / f"{name}.csv").read_bytes()
        assert (city.again / f"{name}.csv").read_bytes() == first, name
        assert (city.other / f"{name}.csv").read_bytes() != first, name


def test_command_prints_what_it_wrote(city):
    for name in synth.FILES:
        assert re.search(rf"{name}\.csv +[\d,]+ rows", city.output), name
    for case in city.report.planted:
        assert re.search(rf"planted {case} +[\d,]+", city.output), case
    assert "persons/s" in city.output


@pytest.mark.django_db
def test_without_grids_it_says_to_lay_them_out_first(tmp_path):
    with pytest.raises(DomainError, match="seed_demo"):
        synth.city_write(out_dir=tmp_path, persons=10, companies=1, as_of=AS_OF)
    with pytest.raises(CommandError, match="geo_demo_layout"):
        call_command("synth_city", out=tmp_path, persons=10, companies=1, as_of=AS_OF)
    assert not list(tmp_path.iterdir())


# --- The fast paths against the identifiers module ----------------------------------------------


def test_resident_id_fast_path_agrees_with_identifiers():
    days = synth._Days(as_of=AS_OF)
    codes = ["440105", "430100", "810000", "830000"]
    ids = synth._ResidentIds(days=days, division_codes=codes)
    rng = random.Random(1)
    for _ in range(3000):
        division = rng.randrange(len(codes))
        birth = AS_OF.toordinal() - rng.randrange(100 * 365)
        male = rng.random() < 0.5
        number, born = ids.make(division, birth, male)
        parsed = resident_id_parse(number)
        assert parsed.division_code == codes[division]
        assert parsed.birth_date == date.fromordinal(born) and (parsed.gender == "M") == male
        assert number == resident_id_make(
            division_code=codes[division], birth_date=parsed.birth_date, sequence=parsed.sequence
        )


def test_resident_ids_stay_unique_when_a_day_fills_up():
    ids = synth._ResidentIds(days=synth._Days(as_of=AS_OF), division_codes=["440105"])
    birth = date(1990, 1, 1).toordinal()
    made = [ids.make(0, birth, True) for _ in range(600)]
    assert len({number for number, _ in made}) == 600
    assert {born for _, born in made} == {birth, birth - 1, birth - 2}  # 250 a day, then earlier


def test_uscc_fast_path_agrees_with_identifiers():
    rng = random.Random(2)
    for _ in range(500):
        body = "".join(rng.choice("0123456789ABCDEFGH") for _ in range(8))
        organisation = synth._organisation_code(body)
        expected = uscc_make(
            authority="9", category="1", division_code="440106", organisation_code=organisation
        )
        assert synth._uscc("91", "440106", organisation) == expected
