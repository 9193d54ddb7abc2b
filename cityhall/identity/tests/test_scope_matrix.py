"""No one reads across scope: every role × placement, through selectors, the API and the pages."""

import pytest
from django.urls import reverse

from cityhall.core import crypto
from cityhall.core.errors import NotFoundError, PermissionDeniedError
from cityhall.core.models import AuditEntry
from cityhall.identity import selectors
from cityhall.identity.roles import CAPABILITIES, Capability, Role
from cityhall.identity.tests import factories as f

pytestmark = pytest.mark.django_db

HZ_A, HZ_B, TH_A = "440105001", "440105002", "440106001"  # 赤岗, 新港 (海珠); 五山 (天河)
PLACEMENTS = {
    "street_hz_a": HZ_A,
    "district_hz": "440105",
    "street_th_a": TH_A,
    "city": "440100",
}
# Which residents each placement may see.
EXPECTED = {
    "street_hz_a": {"hz_a"},
    "district_hz": {"hz_a", "hz_b"},
    "street_th_a": {"th_a"},
    "city": {"hz_a", "hz_b", "th_a"},
}


@pytest.fixture
def residents():
    return {
        "hz_a": f.citizen(home=f.community(HZ_A), name="海珠甲"),
        "hz_b": f.citizen(home=f.community(HZ_B), name="海珠乙"),
        "th_a": f.citizen(home=f.community(TH_A), name="天河甲"),
    }


MATRIX = [(role, placement) for role in Role.values for placement in PLACEMENTS]


@pytest.mark.parametrize(("role", "placement"), MATRIX)
def test_resident_reads_stay_in_scope(client, residents, role, placement):
    actor = f.staff(unit=f.unit(PLACEMENTS[placement]), roles=[role])
    f.signed_in(client, actor)
    allowed = role in CAPABILITIES[Capability.CITIZEN_LOOKUP]
    api = client.get("/api/v1/identity/residents")
    page = client.get(reverse("identity:citizen_list"))
    if not allowed:
        with pytest.raises(PermissionDeniedError):
            selectors.citizen_list_for_staff(actor=actor)
        assert api.status_code == 403
        assert page.status_code == 403
        return
    visible = {c.real_name for c in selectors.citizen_list_for_staff(actor=actor)}
    expected = {residents[k].real_name for k in EXPECTED[placement]}
    assert visible == expected
    assert api.status_code == 200
    assert {item["real_name"] for item in api.json()["items"]} == expected
    assert page.status_code == 200
    for key, resident in residents.items():
        in_scope = key in EXPECTED[placement]
        detail_api = client.get(f"/api/v1/identity/residents/{resident.pk}")
        detail_page = client.get(reverse("identity:citizen_detail", args=[resident.pk]))
        assert detail_api.status_code == (200 if in_scope else 404), (key, placement)
        assert detail_page.status_code == (200 if in_scope else 404), (key, placement)
        if not in_scope:
            with pytest.raises(NotFoundError):
                selectors.citizen_get_for_staff(actor=actor, account_id=resident.pk)


def test_reveal_across_scope_is_refused_and_not_logged(client, residents):
    clerk = f.staff(unit=f.unit(HZ_A), roles=[Role.WINDOW_CLERK])
    f.signed_in(client, clerk)
    url = reverse("identity:citizen_detail", args=[residents["th_a"].pk])
    response = client.post(url, {"purpose": "核对身份"})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(event="personal_data.read").exists()


def test_reveal_in_scope_shows_full_number_and_is_audited(client, residents):
    clerk = f.staff(unit=f.unit(HZ_A), roles=[Role.WINDOW_CLERK])
    f.signed_in(client, clerk)
    resident = residents["hz_a"]
    url = reverse("identity:citizen_detail", args=[resident.pk])
    masked = client.get(url).content.decode()
    assert resident.id_number not in masked
    opened = AuditEntry.objects.get(event="personal_data.read")
    assert (opened.actor_id, opened.subject_id) == (clerk.pk, str(resident.pk))
    assert opened.detail == {"fields": ["profile"], "masked": True}
    revealed = client.post(url, {"purpose": "窗口核对身份"}).content.decode()
    assert resident.id_number in revealed
    entry = AuditEntry.objects.filter(event="personal_data.read").latest("seq")
    assert (entry.actor_id, entry.subject_id) == (clerk.pk, str(resident.pk))
    assert entry.detail["purpose"] == "窗口核对身份" and entry.detail["masked"] is False


def test_opening_a_record_through_the_api_is_audited(client, residents):
    clerk = f.staff(unit=f.unit(HZ_A), roles=[Role.WINDOW_CLERK])
    resident = residents["hz_a"]
    response = f.signed_in(client, clerk).get(f"/api/v1/identity/residents/{resident.pk}")
    assert response.status_code == 200
    assert response.json()["id_number_masked"] == crypto.mask_id_number(resident.id_number)
    entry = AuditEntry.objects.get(event="personal_data.read")
    assert (entry.actor_id, entry.subject_id) == (clerk.pk, str(resident.pk))


def test_citizens_cannot_use_staff_reads(client, residents):
    f.signed_in(client, residents["hz_a"])
    assert client.get("/api/v1/identity/residents").status_code == 403
    assert client.get(reverse("identity:citizen_list")).status_code == 403


def test_anonymous_api_is_refused(client, residents):
    assert client.get("/api/v1/identity/residents").status_code == 401


@pytest.mark.parametrize("placement", list(PLACEMENTS))
def test_directory_stays_in_scope(client, placement):
    units = {key: f.unit(code) for key, code in PLACEMENTS.items()}
    actor = f.staff(unit=units[placement], roles=[Role.GRID_INSPECTOR])
    visible = {u.code for u in selectors.unit_list_for_staff(actor=actor)}
    prefix = "4401" if placement == "city" else PLACEMENTS[placement]
    assert visible == {u.code for u in units.values() if u.division.code.startswith(prefix)}
    api = f.signed_in(client, actor).get("/api/v1/identity/units")
    assert {u["code"] for u in api.json()} == visible


def test_resident_list_has_no_n_plus_one(client, django_assert_max_num_queries):
    home = f.community(HZ_A)
    for i in range(15):
        f.citizen(home=home, name=f"居民{i}")
    clerk = f.staff(unit=f.unit(HZ_A), roles=[Role.WINDOW_CLERK])
    f.signed_in(client, clerk)
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/identity/residents")
    assert response.json()["count"] == 15
