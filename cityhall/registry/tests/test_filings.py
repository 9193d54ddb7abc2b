"""Sale filings and mortgages: the database refuses double sales, including under concurrency."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cityhall.core.errors import DomainError, PermissionDeniedError
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as idf
from cityhall.registry.models import FactChange, Mortgage, SaleFiling
from cityhall.registry.services import filings
from cityhall.registry.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    """The housing bureau's filing desk in 海珠区."""
    return idf.staff(unit=idf.unit("440105"), roles=[Role.DEPARTMENT_REVIEWER])


def _file(house, buyer, desk, number):
    return filings.sale_filing_register(
        house=house, contract_number=number, buyers=[buyer], price=Decimal("3200000"), by=desk
    )


def test_a_house_takes_one_active_filing(desk):
    house, buyer = rf.house(), rf.person()
    first = _file(house, buyer, desk, "WQ2026-0001")
    assert first.status == "active" and list(first.buyers.all()) == [buyer]
    with pytest.raises(filings.FilingRefused) as refused:
        _file(house, buyer, desk, "WQ2026-0002")
    assert refused.value.code == "house_already_filed"
    assert SaleFiling.objects.filter(house=house).count() == 1
    filings.sale_filing_cancel(filing=first, by=desk, reason="双方协议解除合同")
    second = _file(house, buyer, desk, "WQ2026-0002")
    assert second.status == "active"
    change = FactChange.objects.get(fact_type="registry.SaleFiling", fact_id=first.pk)
    assert (change.old_value, change.new_value, change.reason) == (
        "active",
        "cancelled",
        "双方协议解除合同",
    )


def test_a_mortgaged_house_cannot_be_filed_until_released(desk):
    house, buyer = rf.house(), rf.person()
    mortgage = filings.mortgage_register(
        house=house,
        certificate_number="DY2026-001",
        mortgagee="中国工商银行广州分行",
        amount=Decimal("1500000"),
        by=desk,
    )
    with pytest.raises(filings.FilingRefused) as refused:
        _file(house, buyer, desk, "WQ2026-0100")
    assert refused.value.code == "house_mortgaged"
    filings.mortgage_release(mortgage=mortgage, by=desk, reason="贷款已结清")
    assert _file(house, buyer, desk, "WQ2026-0100").status == "active"


def test_the_database_itself_refuses_a_filing_on_a_mortgaged_house(desk):
    """Not only the service: a raw insert that skips it is refused too."""
    house = rf.house()
    filings.mortgage_register(
        house=house, certificate_number="DY-RAW", mortgagee="银行", amount=Decimal(1), by=desk
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SaleFiling.objects.create(
            house=house,
            contract_number="RAW-1",
            price=Decimal(1),
            filed_at=timezone.now(),
            supplied_by=rf.source(),
            supplied_at=timezone.now(),
        )


def test_no_two_first_rank_mortgages(desk):
    house = rf.house()
    filings.mortgage_register(
        house=house, certificate_number="DY-1", mortgagee="银行甲", amount=Decimal(100), by=desk
    )
    with pytest.raises(filings.FilingRefused) as refused:
        filings.mortgage_register(
            house=house, certificate_number="DY-2", mortgagee="银行乙", amount=Decimal(100), by=desk
        )
    assert refused.value.code == "rank_taken"
    second_rank = filings.mortgage_register(
        house=house,
        certificate_number="DY-3",
        mortgagee="银行乙",
        amount=Decimal(100),
        by=desk,
        rank=2,
    )
    assert second_rank.rank == 2
    assert Mortgage.objects.filter(house=house, status="active").count() == 2


def test_bad_input_changes_nothing(desk):
    house, buyer = rf.house(), rf.person()
    with pytest.raises(DomainError):
        filings.sale_filing_register(
            house=house, contract_number="X", buyers=[buyer], price=Decimal(0), by=desk
        )
    with pytest.raises(DomainError):
        filings.sale_filing_register(
            house=house, contract_number="X", buyers=[], price=Decimal(1), by=desk
        )
    assert not SaleFiling.objects.exists()


def test_filing_outside_the_desks_area_is_refused(desk):
    tianhe_house = rf.house(street_code="440106001")
    with pytest.raises(PermissionDeniedError):
        _file(tianhe_house, rf.person(), desk, "WQ-TH-1")


def test_roles_without_registry_write_cannot_file():
    operator = idf.staff(unit=idf.unit("440105"), roles=[Role.HOTLINE_OPERATOR])
    with pytest.raises(PermissionDeniedError):
        _file(rf.house(), rf.person(), operator, "WQ-OP-1")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs on the PostgreSQL CI leg")
def test_concurrent_filings_exactly_one_wins():
    """Two real transactions file the same house at the same moment."""
    desk = idf.staff(unit=idf.unit("440105"), roles=[Role.DEPARTMENT_REVIEWER])
    house, buyer = rf.house(), rf.person()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(number: str) -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                _file(house, buyer, desk, number)
            outcomes.append("filed")
        except filings.FilingRefused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(f"WQ-RACE-{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["filed", "house_already_filed"]
    assert SaleFiling.objects.filter(house=house, status="active").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs on the PostgreSQL CI leg")
def test_concurrent_mortgage_and_filing_never_both_stand():
    desk = idf.staff(unit=idf.unit("440105"), roles=[Role.DEPARTMENT_REVIEWER])
    house, buyer = rf.house(), rf.person()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def file_sale() -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                _file(house, buyer, desk, "WQ-MIX-1")
            outcomes.append("filed")
        except filings.FilingRefused as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    def mortgage() -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                filings.mortgage_register(
                    house=house,
                    certificate_number="DY-MIX-1",
                    mortgagee="银行",
                    amount=Decimal(1),
                    by=desk,
                )
            outcomes.append("mortgaged")
        finally:
            connection.close()

    threads = [threading.Thread(target=file_sale), threading.Thread(target=mortgage)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert "mortgaged" in outcomes
    # Either the filing came first (both stand: a mortgage after a filing is lawful), or the
    # mortgage came first and the filing was refused; never a filing that ignored a mortgage.
    if outcomes.count("filed"):
        filing = SaleFiling.objects.get(house=house)
        mortgage_row = Mortgage.objects.get(house=house)
        assert filing.filed_at <= mortgage_row.registered_at
    else:
        assert outcomes.count("house_mortgaged") == 1
