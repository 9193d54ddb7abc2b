"""Objections go to the steward who can answer them."""

import pytest

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.exchange.selectors import staff_reads_of
from cityhall.exchange.services.objections import objection_file
from cityhall.geo.models import Division
from cityhall.identity import services as identity_services
from cityhall.identity.models import OrgUnit, UnitKind, UnitLevel
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as idf

pytestmark = pytest.mark.django_db


def _read_by(unit: OrgUnit, citizen) -> int:
    clerk = idf.staff(unit=unit, roles=[Role.WINDOW_CLERK])
    identity_services.citizen_open(actor=clerk, account_id=citizen.pk)
    latest = staff_reads_of(account=citizen).first()
    assert latest is not None
    return latest.seq


def test_a_staff_read_in_a_unit_without_a_steward_goes_to_the_district_data_bureau():
    street = idf.unit("440105001")
    bureau = OrgUnit.objects.create(
        code="440105-ZS",
        name="海珠区政务服务和数据管理局",
        kind=UnitKind.DEPARTMENT_BRANCH,
        level=UnitLevel.DISTRICT,
        division=Division.objects.get(code="440105"),
    )
    citizen = idf.citizen(home=idf.community("440105001"))
    objection = objection_file(
        account=citizen, reason="窗口人员为何查看我的信息？", audit_seq=_read_by(street, citizen)
    )
    assert objection.department == bureau
    idf.staff(unit=street, roles=[Role.DATA_STEWARD])
    second = objection_file(
        account=citizen, reason="又一次查看，请说明理由。", audit_seq=_read_by(street, citizen)
    )
    assert second.department == street


def test_objections_only_to_ones_own_reads_and_not_twice():
    street = idf.unit("440105001")
    idf.staff(unit=street, roles=[Role.DATA_STEWARD])
    home = idf.community("440105001")
    citizen = idf.citizen(home=home)
    other = idf.citizen(home=home, name="李四")
    seq = _read_by(street, citizen)
    with pytest.raises(NotFoundError):
        objection_file(account=other, reason="这不是我的记录吗？", audit_seq=seq)
    objection_file(account=citizen, reason="请说明查看理由。", audit_seq=seq)
    with pytest.raises(DomainError, match="已对该记录"):
        objection_file(account=citizen, reason="再次提出异议。", audit_seq=seq)
    with pytest.raises(DomainError):
        objection_file(account=citizen, reason="短", audit_seq=seq)
