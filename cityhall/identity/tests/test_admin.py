"""The Django admin serves administrators only, scoped like every other staff read."""

import pytest
from django.urls import reverse

from cityhall.core.models import AuditEntry
from cityhall.identity.models import StaffRole
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "hz_resident": f.citizen(home=f.community("440105001"), name="海珠居民"),
        "th_resident": f.citizen(home=f.community("440106001"), name="天河居民"),
        "hz_clerk": f.staff(unit=f.unit("440105001"), roles=[Role.WINDOW_CLERK], username="hzc"),
        "th_clerk": f.staff(unit=f.unit("440106001"), roles=[Role.WINDOW_CLERK], username="thc"),
    }


def test_district_administrator_sees_only_their_district(client, people):
    admin = f.staff(unit=f.unit("440105"), roles=[Role.ADMINISTRATOR], username="hz-adm")
    f.signed_in(client, admin)
    listing = client.get(reverse("admin:identity_account_changelist"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "海珠居民" in body and "hzc" in body
    assert "天河居民" not in body and "thc" not in body
    # An out-of-scope record is absent, not merely hidden from the list.
    th = people["th_resident"]
    response = client.get(reverse("admin:identity_account_change", args=[th.pk]))
    assert response.status_code == 302  # Django admin redirects a missing object to the index
    units = client.get(reverse("admin:identity_orgunit_changelist")).content.decode()
    assert "天河区" not in units


def test_city_administrator_sees_the_city(client, people):
    admin = f.staff(unit=f.unit("440100"), roles=[Role.ADMINISTRATOR], username="city-adm")
    body = f.signed_in(client, admin).get(reverse("admin:identity_account_changelist"))
    assert "海珠居民" in body.content.decode() and "天河居民" in body.content.decode()


def test_admin_shows_masked_id_numbers_only(client, people):
    admin = f.staff(unit=f.unit("440105"), roles=[Role.ADMINISTRATOR])
    f.signed_in(client, admin)
    resident = people["hz_resident"]
    page = client.get(reverse("admin:identity_account_change", args=[resident.pk]))
    assert page.status_code == 200
    assert resident.id_number not in page.content.decode()


def test_role_granted_in_admin_is_audited(client, people):
    admin = f.staff(unit=f.unit("440105"), roles=[Role.ADMINISTRATOR])
    f.signed_in(client, admin)
    clerk = people["hz_clerk"]
    role_id = StaffRole.objects.get(account=clerk).pk
    url = reverse("admin:identity_account_change", args=[clerk.pk])
    form = {
        "username": clerk.username,
        "kind": "staff",
        "real_name": clerk.real_name,
        "email": "",
        "home_division": "",
        "language": "zh-hans",
        "unit": clerk.unit_id,
        "is_active": "on",
        "failed_signins": "0",
        "locked_until_0": "",
        "locked_until_1": "",
        "roles-TOTAL_FORMS": "2",
        "roles-INITIAL_FORMS": "1",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-id": role_id,
        "roles-0-account": clerk.pk,
        "roles-0-role": Role.WINDOW_CLERK,
        "roles-1-id": "",
        "roles-1-account": clerk.pk,
        "roles-1-role": Role.GRID_INSPECTOR,
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(StaffRole.objects.filter(account=clerk).values_list("role", flat=True)) == {
        Role.WINDOW_CLERK,
        Role.GRID_INSPECTOR,
    }
    entry = AuditEntry.objects.filter(event="role.granted", subject_id=str(clerk.pk)).latest("seq")
    assert entry.actor_id == admin.pk and entry.detail == {"role": Role.GRID_INSPECTOR}


def test_non_administrators_are_kept_out(client, people):
    f.signed_in(client, people["hz_clerk"])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_district_administrator_reads_but_cannot_edit_city_wide_data(client):
    admin = f.staff(unit=f.unit("440105"), roles=[Role.ADMINISTRATOR])
    f.signed_in(client, admin)
    assert client.get(reverse("admin:core_calendarday_changelist")).status_code == 200
    assert client.get(reverse("admin:core_calendarday_add")).status_code == 403
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 403


def test_city_administrator_edits_the_calendar(client):
    admin = f.staff(unit=f.unit("440100"), roles=[Role.ADMINISTRATOR])
    f.signed_in(client, admin)
    assert client.get(reverse("admin:core_calendarday_add")).status_code == 200
    assert client.get(reverse("admin:core_auditentry_changelist")).status_code == 200
