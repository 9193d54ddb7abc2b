from datetime import date
from unittest import mock

import pytest
from django.urls import reverse

from cityhall.core.models import AuditEntry
from cityhall.identity import services
from cityhall.identity.roles import CAPABILITIES, Role
from cityhall.identity.tests import factories as f
from cityhall.portal.menus import WORKSPACE_MENU

pytestmark = pytest.mark.django_db


def test_home_is_public_and_lists_the_districts(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "海珠区" in body and "从化区" in body
    assert '<html lang="zh-hans"' in body


def test_english_interface(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert '<html lang="en"' in body
    assert "Guangzhou Citizen Services" in body
    assert "Sign in" in body


def test_elder_mode_switches_on_and_off_without_javascript(client):
    switch = reverse("portal:elder_mode")
    body = client.get("/").content.decode()
    assert 'class="elder"' not in body
    assert f'href="{switch}?on=1&amp;next=/"' in body and ">长辈版</a>" in body
    assert "当前为标准版" in body
    assert 'href="/geo/"' in body  # the full top navigation

    response = client.get(switch + "?on=1&next=/geo/")
    assert response.status_code == 302 and response["Location"] == "/geo/"
    assert response.cookies["cityhall_elder"].value == "1"
    assert response.cookies["cityhall_elder"]["httponly"]
    body = client.get("/").content.decode()
    assert '<html lang="zh-hans" class="elder">' in body
    assert f'href="{switch}?on=0&amp;next=/"' in body and ">标准版</a>" in body
    assert "当前为长辈版" in body
    assert 'href="/geo/"' not in body  # the reduced top navigation
    assert '<p class="elder-hide">' in body  # secondary content is marked for dropping
    assert client.get(switch + "?on=1").cookies["cityhall_elder"].value == "1"  # stays on

    response = client.get(switch + "?on=0&next=/services/")
    assert response["Location"] == "/services/"
    assert response.cookies["cityhall_elder"].value == ""  # deleted
    assert 'class="elder"' not in client.get("/").content.decode()


def test_elder_mode_link_without_a_state_toggles(client):
    switch = reverse("portal:elder_mode")
    client.get(switch)
    assert 'class="elder"' in client.get("/").content.decode()
    client.get(switch)
    assert 'class="elder"' not in client.get("/").content.decode()


def test_elder_mode_in_english(client):
    client.cookies["cityhall_elder"] = "1"
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en" class="elder">' in body
    assert ">Standard</a>" in body and "Elder mode is on" in body


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"]
)
def test_elder_mode_switch_refuses_offsite_redirect(client, target):
    response = client.get(reverse("portal:elder_mode") + "?on=1&next=" + target)
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.parametrize("role", Role.values)
def test_workspace_menu_follows_the_role(client, role):
    account = f.staff(unit=f.unit("440105001"), roles=[role])
    body = f.signed_in(client, account).get(reverse("portal:workspace")).content.decode()
    for item in WORKSPACE_MENU:
        shown = f'href="{item.url}"' in body
        assert shown == (role in CAPABILITIES[item.capability]), (role, item.url_name)


def test_workspace_is_for_staff_only(client):
    resident = f.citizen(home=f.community("440105001"))
    assert f.signed_in(client, resident).get(reverse("portal:workspace")).status_code == 403
    client.logout()
    response = client.get(reverse("portal:workspace"))
    assert response.status_code == 302 and reverse("identity:signin") in response["Location"]


def test_citizen_sees_who_read_their_data(client):
    resident = f.citizen(home=f.community("440105001"))
    clerk = f.staff(unit=f.unit("440105001"), roles=[Role.WINDOW_CLERK])
    services.citizen_reveal(actor=clerk, account_id=resident.pk, purpose="办理低保核对")
    body = f.signed_in(client, resident).get(reverse("portal:my_page")).content.decode()
    assert "办理低保核对" in body
    assert clerk.unit is not None and clerk.unit.name in body
    assert resident.id_number not in body  # masked on the page


def test_audit_page_verifies_the_chain(client):
    supervisor = f.staff(unit=f.unit("440100"), roles=[Role.SUPERVISOR])
    f.signed_in(client, supervisor)
    assert AuditEntry.objects.exists()  # the role grant was audited
    response = client.post(reverse("portal:audit_log"))
    assert 'id="chain-report"' in response.content.decode()
    assert "哈希链完整" in response.content.decode()


def test_district_supervisor_sees_only_their_district_staff_activity(client):
    hz_clerk = f.staff(unit=f.unit("440105001"), roles=[Role.WINDOW_CLERK], username="hz-c")
    th_clerk = f.staff(unit=f.unit("440106001"), roles=[Role.WINDOW_CLERK], username="th-c")
    for clerk in (hz_clerk, th_clerk):
        resident = f.citizen(home=f.community(clerk.unit.division.code))  # type: ignore[union-attr]
        services.citizen_reveal(actor=clerk, account_id=resident.pk, purpose="核对")
    supervisor = f.staff(unit=f.unit("440105"), roles=[Role.SUPERVISOR])
    body = f.signed_in(client, supervisor).get(reverse("portal:audit_log")).content.decode()
    assert "hz-c" in body and "th-c" not in body


def test_audit_page_is_refused_to_other_roles(client):
    clerk = f.staff(unit=f.unit("440100"), roles=[Role.WINDOW_CLERK])
    assert f.signed_in(client, clerk).get(reverse("portal:audit_log")).status_code == 403


def test_administrator_is_warned_about_a_missing_holiday_schedule(client, settings):
    admin = f.staff(unit=f.unit("440100"), roles=[Role.ADMINISTRATOR])
    clerk = f.staff(unit=f.unit("440100"), roles=[Role.WINDOW_CLERK])
    with mock.patch("cityhall.portal.views.timezone.localdate", return_value=date(2026, 11, 21)):
        admin_page = f.signed_in(client, admin).get(reverse("portal:workspace")).content.decode()
        client.logout()
        clerk_page = f.signed_in(client, clerk).get(reverse("portal:workspace")).content.decode()
    assert "2027" in admin_page
    assert "2027" not in clerk_page
