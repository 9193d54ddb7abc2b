"""Administrators change the catalogue in the admin: a new draft, an uploaded BPMN, publish."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cityhall.catalog.models import ItemVersion, ServiceItem, VersionStatus
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f

pytestmark = pytest.mark.django_db

MODELLER_BPMN = "cityhall/catalog/workflow/tests/fixtures/modeller_minimum_living.bpmn"


def _admin(client, division="440100"):
    admin = f.staff(unit=f.unit(division), roles=[Role.ADMINISTRATOR])
    return f.signed_in(client, admin)


def test_draft_upload_and_publish_through_the_admin(client):
    _admin(client)
    item = ServiceItem.objects.get(code="MZ-003")
    response = client.post(
        reverse("admin:catalog_serviceitem_changelist"),
        {"action": "new_draft", "_selected_action": [item.pk]},
    )
    assert response.status_code == 302
    draft = ItemVersion.objects.get(item=item, status=VersionStatus.DRAFT)
    # Published versions are history: the admin will not change them.
    published = ItemVersion.objects.get(item=item, status=VersionStatus.PUBLISHED)
    page = client.get(reverse("admin:catalog_itemversion_change", args=[published.pk]))
    assert b'name="bpmn_xml"' not in page.content

    form = client.get(reverse("admin:catalog_itemversion_change", args=[draft.pk]))
    data = {
        key: value
        for key, value in form.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data["review_departments"] = [d.pk for d in draft.review_departments.all()]
    data["venues"] = '["online", "street"]'
    data["form_fields"] = "[]"
    data["department"] = draft.department_id
    for prefix, total in (("materials", draft.materials.count()),):
        data[f"{prefix}-TOTAL_FORMS"] = total
        data[f"{prefix}-INITIAL_FORMS"] = total
        for n, material in enumerate(draft.materials.all()):
            data.update(
                {
                    f"{prefix}-{n}-id": material.pk,
                    f"{prefix}-{n}-version": draft.pk,
                    f"{prefix}-{n}-seq": material.seq,
                    f"{prefix}-{n}-name": material.name,
                    f"{prefix}-{n}-form": material.form,
                }
            )
    with open(MODELLER_BPMN, "rb") as handle:
        data["bpmn_file"] = SimpleUploadedFile("dibao.bpmn", handle.read())
    saved = client.post(reverse("admin:catalog_itemversion_change", args=[draft.pk]), data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors
    draft.refresh_from_db()
    assert "Camunda Modeler" in draft.bpmn_xml

    client.post(
        reverse("admin:catalog_itemversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED


def test_publish_with_a_broken_process_says_why_and_changes_nothing(client):
    _admin(client)
    item = ServiceItem.objects.get(code="MZ-004")
    client.post(
        reverse("admin:catalog_serviceitem_changelist"),
        {"action": "new_draft", "_selected_action": [item.pk]},
    )
    draft = ItemVersion.objects.get(item=item, status=VersionStatus.DRAFT)
    ItemVersion.objects.filter(pk=draft.pk).update(bpmn_xml="<bpmn:definitions/>")
    response = client.post(
        reverse("admin:catalog_itemversion_changelist"),
        {"action": "publish", "_selected_action": [draft.pk]},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("BPMN" in m or "流程" in m for m in messages)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_district_administrators_may_look_but_not_change_the_catalogue(client):
    _admin(client, division="440105")
    item = ServiceItem.objects.get(code="MZ-004")
    assert client.get(reverse("admin:catalog_serviceitem_changelist")).status_code == 200
    client.post(
        reverse("admin:catalog_serviceitem_changelist"),
        {"action": "new_draft", "_selected_action": [item.pk]},
    )
    assert not ItemVersion.objects.filter(item=item, status=VersionStatus.DRAFT).exists()
