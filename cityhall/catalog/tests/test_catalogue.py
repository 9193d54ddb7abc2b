"""The loaded catalogue, its guide pages and API, and versioning with a validated process."""

import pytest

from cityhall.catalog import selectors
from cityhall.catalog.models import Bundle, ItemVersion, ServiceItem, VersionStatus
from cityhall.catalog.services import item_version_draft, item_version_publish
from cityhall.catalog.workflow import ProcessError
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as people

pytestmark = pytest.mark.django_db

MODELLER_BPMN = "cityhall/catalog/workflow/tests/fixtures/modeller_minimum_living.bpmn"


def test_catalogue_holds_the_seed_items_and_bundles():
    published = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
    assert published.count() >= 100
    assert published.filter(item__code="MZ-001", name="结婚登记", instant=True).exists()
    areas = set(ServiceItem.objects.values_list("area", flat=True))
    assert {"户籍", "婚姻", "社保", "企业设立", "消防", "环保"} <= areas
    birth = Bundle.objects.get(code="YJS-001")
    assert [m.item.code for m in birth.members.all()] == ["GA-001", "YB-002", "RS-005"]
    version = selectors.item_version_current(code="RS-003")
    assert [d.name for d in version.review_departments.all()] == ["市社会保险基金管理中心"]
    assert version.materials.filter(fetch_source__startswith="registry:").exists()


def test_guide_pages_search_and_show_an_item(client):
    page = client.get("/services/", {"q": "结婚"})
    assert page.status_code == 200 and "结婚登记" in page.content.decode()
    guide = client.get("/services/MZ-001/").content.decode()
    for element in ("民政局", "居民身份证", "设定依据", "当场办结"):
        assert element in guide
    assert client.get("/services/NOPE-1/").status_code == 404
    assert "新生儿出生一件事" in client.get("/services/bundles/YJS-001/").content.decode()


def test_catalogue_api(client):
    listing = client.get("/api/v1/catalog/items", {"q": "失业保险金"}).json()
    assert [i["code"] for i in listing["items"]] == ["RS-003"]
    detail = client.get("/api/v1/catalog/items/RS-003").json()
    assert detail["review_departments"] == ["市社会保险基金管理中心"]
    assert any(m["fetch_source"] for m in detail["materials"])
    missing = client.get("/api/v1/catalog/items/XX-1")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_edit_makes_a_new_version_and_publish_validates_the_process():
    admin = people.staff(unit=people.unit("440100"), roles=[Role.ADMINISTRATOR])
    item = ServiceItem.objects.get(code="MZ-004")
    current = selectors.item_version_current(code="MZ-004")
    draft = item_version_draft(item=item, by=admin)
    assert draft.number == current.number + 1 and draft.status == VersionStatus.DRAFT
    assert draft.materials.count() == current.materials.count()

    draft.bpmn_xml = "<definitions>not bpmn</definitions>"
    draft.save()
    with pytest.raises(ProcessError):
        item_version_publish(version=draft, by=admin)
    assert selectors.item_version_current(code="MZ-004").pk == current.pk

    with open(MODELLER_BPMN, encoding="utf-8") as handle:
        draft.bpmn_xml = handle.read()
    draft.save()
    item_version_publish(version=draft, by=admin)
    assert selectors.item_version_current(code="MZ-004").pk == draft.pk
    current.refresh_from_db()
    assert current.status == VersionStatus.SUPERSEDED


def test_a_process_with_unknown_lanes_is_refused():
    admin = people.staff(unit=people.unit("440100"), roles=[Role.ADMINISTRATOR])
    draft = item_version_draft(item=ServiceItem.objects.get(code="MZ-005"), by=admin)
    draft.bpmn_xml = draft.bpmn_xml.replace("区民政局", "不存在的局")
    draft.save()
    with pytest.raises(ProcessError) as caught:
        item_version_publish(version=draft, by=admin)
    assert any("不存在的局" in p for p in caught.value.problems)
