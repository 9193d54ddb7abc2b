"""The pages and the JSON API over intake, review, results, supervision and ratings."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cityhall.applications.models import Application, Status, TaskStatus
from cityhall.applications.services.intake import plan_for
from cityhall.applications.tests import factories as f
from cityhall.core.models import AuditEntry
from cityhall.identity.tests.factories import CARD_PIN, signed_in
from cityhall.identity.tests.factories import card as card_factory

pytestmark = pytest.mark.django_db


def _apply_online(client, key="page-1"):
    plan = plan_for(item_code="RS-003")
    data: dict[str, object] = {f"f_{k}": v for k, v in f.form_values(plan.fields).items()}
    data.update(idempotency_key=key, division_code=f.STREET)
    for material in plan.materials:
        data[f"m_{material.pk}"] = f.pdf(f"{material.pk}.pdf")
    return client.post("/applications/apply/RS-003/", data)


def test_citizen_applies_online_and_follows_it(client, city):
    signed_in(client, city["citizen"])
    form = client.get("/applications/apply/RS-003/")
    assert form.status_code == 200 and "失业保险金申领" in form.content.decode()
    response = _apply_online(client)
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/applications/{application.number}/"
    )
    assert _apply_online(client).status_code == 302  # a double click: still one application
    assert Application.objects.count() == 1
    page = client.get(f"/applications/{application.number}/").content.decode()
    assert application.number in page and "待受理" in page
    assert application.number in client.get("/applications/mine/").content.decode()


def test_missing_upload_shows_the_error_and_saves_nothing(client, city):
    signed_in(client, city["citizen"])
    plan = plan_for(item_code="RS-003")
    data = {f"f_{k}": v for k, v in f.form_values(plan.fields).items()}
    data.update(idempotency_key="x", division_code=f.STREET)
    response = client.post("/applications/apply/RS-003/", data)
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert not Application.objects.exists()


def test_no_one_else_sees_an_application_or_its_certificate(client, city):
    signed_in(client, city["citizen"])
    _apply_online(client)
    number = Application.objects.get().number
    client.logout()
    signed_in(client, f.resident("王五"))
    assert client.get(f"/applications/{number}/").status_code == 404
    assert client.get(f"/api/v1/applications/{number}").status_code == 404
    stranger = f.reviewer("440106", "RS")
    client.logout()
    signed_in(client, stranger)
    task = Application.objects.get().tasks.get()
    assert client.get(f"/applications/tasks/{task.pk}/").status_code == 404


def test_reviewer_inbox_claim_and_decide(client, city):
    signed_in(client, city["citizen"])
    _apply_online(client)
    application = Application.objects.get()
    client.logout()
    signed_in(client, city["rs"])
    task = application.tasks.get()
    inbox = client.get("/applications/inbox/").content.decode()
    assert application.number in inbox
    assert client.post(f"/applications/tasks/{task.pk}/", {"action": "claim"}).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.CLAIMED and task.claimed_by == city["rs"]
    page = client.post(f"/applications/tasks/{task.pk}/", {"action": "decide", "outcome": "reject"})
    assert page.status_code == 200 and "理由" in page.content.decode()
    client.post(f"/applications/tasks/{task.pk}/", {"action": "decide", "outcome": "approve"})
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW


def test_window_intake_issues_on_the_spot_and_prints_a_receipt(client, city):
    signed_in(client, city["clerk"])
    found = client.post("/applications/window/", {"id_number": city["citizen"].id_number})
    assert found.status_code == 302
    listing = client.get("/applications/window/", {"q": "就业登记"}).content.decode()
    assert "RS-001" in listing
    plan = plan_for(item_code="RS-001")
    data = {f"f_{k}": v for k, v in f.form_values(plan.fields).items()}
    data["idempotency_key"] = "win-1"
    for material in plan.materials:
        data[f"seen_{material.pk}"] = "on"
    response = client.post("/applications/window/apply/RS-001/", data)
    application = Application.objects.get()
    assert response.status_code == 302 and application.status == Status.APPROVED
    receipt = client.get(response["Location"]).content.decode()
    assert application.number in receipt
    certificate = application.certificates.get()
    client.logout()
    signed_in(client, city["citizen"])
    assert certificate.number in client.get("/applications/documents/").content.decode()
    pdf = client.get(f"/applications/documents/{certificate.number}.pdf")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    rated = client.post(
        f"/applications/{application.number}/rate/", {"level": "5", "channel": "online"}
    )
    assert rated.status_code == 302 and application.ratings.count() == 1
    verify = client.get("/applications/verify/", {"code": certificate.verification_code})
    assert certificate.number in verify.content.decode()
    forged = client.get("/applications/verify/", {"code": "ZZZZZZZZZZZZZZZZ"}).content.decode()
    assert "伪造" in forged


def test_window_identifies_the_walk_in_by_card_and_pin(client, city):
    card = card_factory(holder=city["citizen"], clerk=city["clerk"])
    signed_in(client, city["clerk"])
    wrong = {"action": "card", "card-card_number": card.number, "card-pin": "135790"}
    page = client.post("/applications/window/", wrong).content.decode()
    assert "密码不正确，还可以再试 2 次" in page
    assert "window_citizen" not in client.session
    right = {"action": "card", "card-card_number": card.number.lower(), "card-pin": CARD_PIN}
    assert client.post("/applications/window/", right).status_code == 302
    assert client.session["window_citizen"] == city["citizen"].pk
    assert city["citizen"].real_name in client.get("/applications/window/").content.decode()
    events = AuditEntry.objects.filter(subject_id=str(city["citizen"].pk)).values_list(
        "event", flat=True
    )
    assert {"card.signin_failed", "card.signin_succeeded", "personal_data.read"} <= set(events)


def test_api_submit_is_idempotent_and_kpis_need_supervision(client, city):
    signed_in(client, city["citizen"])
    plan = plan_for(item_code="RS-003")
    payload = {
        "item_code": "RS-003",
        "form": f.form_values(plan.fields),
        "division_code": f.STREET,
        "materials": [
            {
                "material_id": m.pk,
                "filename": "a.pdf",
                "content_base64": base64.b64encode(f.PDF).decode(),
            }
            for m in plan.materials
        ],
    }
    first = client.post(
        "/api/v1/applications/",
        payload,
        content_type="application/json",
        headers={"Idempotency-Key": "api-1"},
    )
    again = client.post(
        "/api/v1/applications/",
        payload,
        content_type="application/json",
        headers={"Idempotency-Key": "api-1"},
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    bad = client.post(
        "/api/v1/applications/",
        {**payload, "version": 99},
        content_type="application/json",
        headers={"Idempotency-Key": "api-2"},
    )
    assert bad.status_code == 400 and bad.json()["code"] == "wrong_version"
    assert client.get("/api/v1/applications/kpis").status_code == 403
    client.logout()
    signed_in(client, city["supervisor"])
    kpis = client.get("/api/v1/applications/kpis").json()
    assert kpis["total"]["applications"] == 1
    assert client.get("/applications/kpis/").status_code == 200
    assert client.get("/applications/supervision/").status_code == 200


def test_api_reviewer_decides(client, city):
    signed_in(client, city["citizen"])
    _apply_online(client)
    client.logout()
    signed_in(client, city["rs"])
    tasks = client.get("/api/v1/applications/tasks").json()
    assert len(tasks) == 1
    decided = client.post(
        f"/api/v1/applications/tasks/{tasks[0]['id']}/decision",
        {"outcome": "approve"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "in_review"


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_lists_do_not_grow_queries_with_rows(client, city):
    signed_in(client, city["citizen"])
    _apply_online(client, key="q1")
    one = _queries(client, "/api/v1/applications/")
    for n in range(2, 6):
        _apply_online(client, key=f"q{n}")
    assert _queries(client, "/api/v1/applications/") == one
    signed_in(client, city["rs"])
    inbox = _queries(client, "/applications/inbox/")
    signed_in(client, city["citizen"])
    _apply_online(client, key="q9")
    signed_in(client, city["rs"])
    assert _queries(client, "/applications/inbox/") == inbox


def test_bundle_apply_page_shows_one_form_for_all_items(client, city):
    signed_in(client, city["citizen"])
    page = client.get("/applications/apply/bundle/YJS-001/")
    body = page.content.decode()
    assert page.status_code == 200
    for name in ("出生登记", "城乡居民医保参保登记", "社会保障卡申领"):
        assert name in body
    assert client.get("/applications/apply/bundle/NOPE/").status_code == 404
