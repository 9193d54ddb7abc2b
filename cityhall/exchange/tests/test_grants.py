"""Grant lifecycle: request, decide, revoke; deny by default; who may do what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.core.models import AuditEntry
from cityhall.exchange.models import AccessGrant, DataResource
from cityhall.exchange.services import catalogue, grants
from cityhall.exchange.services.grants import GrantError, grant_check
from cityhall.exchange.tests.city import department, exchange_city
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as idf

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _request(city, **overrides):
    values = {
        "actor": city.stewards["RS"],
        "resource_code": "person-basic",
        "fields": ["name", "status"],
        "purpose": "benefit_eligibility",
        "legal_basis": "《失业保险条例》第十五条",
        "valid_from": TODAY(),
        "valid_until": TODAY() + timedelta(days=180),
    } | overrides
    return grants.grant_request(**values)


def _check(city, **overrides):
    rs = city.stewards["RS"].unit
    values = {
        "client_pk": 0,
        "department_id": rs.pk,
        "resource_code": "person-basic",
        "purpose": "benefit_eligibility",
        "fields": None,
    } | overrides
    return grant_check(**values)


def test_request_waits_for_the_owner_and_is_denied_until_approved():
    city = exchange_city()
    grant = _request(city)
    assert grant.status == "requested" and grant.number.startswith("GX")
    with pytest.raises(GrantError) as refused:
        _check(city)
    assert refused.value.code == "no_grant"
    approved = grants.grant_decide(
        actor=city.stewards["GA"], number=grant.number, approve=True, reason=""
    )
    assert approved.status == "approved" and approved.decided_by == city.stewards["GA"]
    access = _check(city)
    assert access.fields == ["name", "status"] and access.grant_number == grant.number
    assert AuditEntry.objects.filter(
        event="exchange.grant_decided", subject_id=grant.number
    ).exists()


def test_only_the_owners_steward_decides_and_a_rejection_needs_a_reason():
    city = exchange_city()
    grant = _request(city)
    with pytest.raises(NotFoundError):
        grants.grant_decide(actor=city.stewards["SJ"], number=grant.number, approve=True, reason="")
    reviewer = idf.staff(unit=department("GA"), roles=[Role.DEPARTMENT_REVIEWER])
    with pytest.raises(PermissionDeniedError):
        grants.grant_decide(actor=reviewer, number=grant.number, approve=True, reason="")
    with pytest.raises(DomainError, match="理由"):
        grants.grant_decide(
            actor=city.stewards["GA"], number=grant.number, approve=False, reason=""
        )
    rejected = grants.grant_decide(
        actor=city.stewards["GA"], number=grant.number, approve=False, reason="用途与职责不符"
    )
    assert rejected.status == "rejected" and rejected.decision_reason == "用途与职责不符"
    with pytest.raises(DomainError, match="已处理"):
        grants.grant_decide(actor=city.stewards["GA"], number=grant.number, approve=True, reason="")
    with pytest.raises(GrantError):
        _check(city)


def test_revocation_is_immediate_and_needs_a_reason():
    city = exchange_city()
    grant = _request(city)
    grants.grant_decide(actor=city.stewards["GA"], number=grant.number, approve=True, reason="")
    _check(city)
    with pytest.raises(DomainError):
        grants.grant_revoke(actor=city.stewards["GA"], number=grant.number, reason="")
    grants.grant_revoke(actor=city.stewards["GA"], number=grant.number, reason="项目结束")
    assert AccessGrant.objects.get(pk=grant.pk).status == "revoked"
    with pytest.raises(GrantError):
        _check(city)


def test_unconditional_resources_are_granted_on_request():
    city = exchange_city()
    grant = _request(city, resource_code="company-basic", fields=["name", "industry"])
    assert grant.status == "approved" and grant.decided_at is not None


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"fields": []}, "no_fields"),
        ({"fields": ["name", "salary"]}, "unknown_fields"),
        ({"purpose": "curiosity"}, "purpose"),
        ({"legal_basis": " "}, "legal_basis"),
        ({"valid_until": TODAY() - timedelta(days=1)}, "period"),
        ({"valid_until": TODAY() + timedelta(days=5 * 366)}, "period"),
        ({"resource_code": "person-employment"}, "own_resource"),
    ],
)
def test_bad_requests_are_refused_and_leave_nothing(overrides, code):
    city = exchange_city()
    with pytest.raises(DomainError) as refused:
        _request(city, **overrides)
    assert refused.value.code == code
    assert not AccessGrant.objects.exists()


def test_not_shared_and_withdrawn_resources_cannot_be_read():
    city = exchange_city()
    grant = _request(city)
    grants.grant_decide(actor=city.stewards["GA"], number=grant.number, approve=True, reason="")
    catalogue.resource_withdraw(actor=city.stewards["GA"], code="person-basic")
    with pytest.raises(GrantError) as refused:
        _check(city)
    assert refused.value.code == "resource_withdrawn"
    DataResource.objects.filter(code="person-contributions").update(sharing_type="not_shared")
    with pytest.raises(DomainError) as not_shared:
        _request(city, resource_code="person-contributions", fields=["months"])
    assert not_shared.value.code == "not_shared"


def test_a_department_reads_its_own_resource_without_a_grant():
    city = exchange_city()
    access = _check(city, resource_code="person-employment", fields=["employed"])
    assert access.grant_number == "" and access.fields == ["employed"]
    with pytest.raises(GrantError):
        _check(city, resource_code="person-employment", fields=["salary"])
