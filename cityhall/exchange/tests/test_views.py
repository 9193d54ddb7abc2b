"""The exchange's HTML pages through the test client: the catalogue, the steward's workspace
(grants, client systems and their secrets, the access log, objections) and the citizen's page
of who read their data."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cityhall.core.models import AuditEntry
from cityhall.exchange.models import (
    AccessGrant,
    AccessLogEntry,
    ClientSecret,
    ClientSystem,
    DataResource,
    Objection,
)
from cityhall.exchange.services import grants
from cityhall.exchange.services.log import PendingRead, ReadContext, log_append
from cityhall.exchange.services.objections import objection_file
from cityhall.exchange.tests.city import ExchangeCity, department, exchange_city, grant_approved
from cityhall.exchange.vocab import ClientStatus, GrantStatus, ObjectionStatus, ResourceStatus
from cityhall.identity import services as identity_services
from cityhall.identity.models import Account
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.portal.tests.test_my_page import MY_PAGE_QUERIES
from cityhall.registry.models import Person
from cityhall.registry.tests import factories as rf

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"chx_[A-Za-z0-9_-]{20,}")
CASE = "SQ20261121000001"


@pytest.fixture
def city() -> ExchangeCity:
    return exchange_city()


def _as(account: Account) -> Client:
    return f.signed_in(Client(), account)


def _page(client: Client, name: str, *args: object, **query: str) -> str:
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _request_grant(city: ExchangeCity, **extra: str) -> AccessGrant:
    """The RS steward asks GA for person-basic through the resource page."""
    today = timezone.localdate()
    data = {
        "chosen_fields": ["name", "birth_date"],
        "purpose": "benefit_eligibility",
        "legal_basis": "《失业保险条例》第十五条",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=180)).isoformat(),
        "client": "",
    } | extra
    response = _as(city.stewards["RS"]).post(
        reverse("exchange:grant_request", args=["person-basic"]), data
    )
    assert response.status_code == 302, response.content.decode()[:800]
    assert response["Location"] == reverse("exchange:steward_requests")
    return AccessGrant.objects.get(requester__code="440100-RS", resource__code="person-basic")


def _token(client_id: str, secret: str) -> tuple[int, str]:
    response = Client().post(
        "/exchange/v1/token",
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    return response.status_code, response.json().get("access_token", "")


def _lookup(token: str, key: str, case: str = CASE) -> tuple[int, dict]:
    response = Client().post(
        "/exchange/v1/resources/person-basic/lookup",
        {"key": key, "purpose": "benefit_eligibility", "case": case, "staff_user": "rs-zhang"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.json()


def _resident(person: Person) -> Account:
    """The citizen whose account carries this registry person's ID number."""
    return identity_services.citizen_register(
        id_number=person.document_number,
        real_name=person.name,
        password=f.PASSWORD,
        home_division=f.community("440105001"),
    )


# The catalogue ----------------------------------------------------------------------------------


def test_catalogue_lists_resources_and_filters_them(city, django_assert_max_num_queries):
    clerk = f.staff(unit=f.unit("440105001"), roles=[Role.WINDOW_CLERK])
    client = _as(clerk)
    with django_assert_max_num_queries(12):
        body = _page(client, "exchange:catalogue")
    for resource in DataResource.objects.filter(status=ResourceStatus.PUBLISHED):
        assert resource.title in body
    assert "广州市公安局" in body and "有条件共享" in body and "实时" in body

    body = _page(client, "exchange:catalogue", owner="440100-GA")
    assert "人口基本信息" in body and "企业基本信息" not in body
    body = _page(client, "exchange:catalogue", sharing_type="unconditional")
    assert "人口基本信息" not in body
    body = _page(client, "exchange:catalogue", q="就业")
    assert "就业登记信息" in body and "人口基本信息" not in body
    body = _page(client, "exchange:catalogue", theme="population")
    assert "人口基本信息" in body and "就业登记信息" not in body


def test_catalogue_is_for_staff_only(city, client):
    resident = f.citizen(home=f.community("440105001"))
    assert _as(resident).get(reverse("exchange:catalogue")).status_code == 403
    response = client.get(reverse("exchange:catalogue"))
    assert response.status_code == 302 and reverse("identity:signin") in response["Location"]


def test_resource_page_shows_fields_with_sensitivity_and_the_request_form_to_other_stewards(city):
    body = _page(_as(city.stewards["RS"]), "exchange:resource", "person-basic")
    assert "《中华人民共和国居民身份证法》" in body  # legal basis
    assert "仅限依法履职" in body  # sharing conditions
    assert 'class="sens sens-sensitive">敏感个人信息' in body  # the phone: a word, not a colour
    assert "申请共享" in body and 'name="chosen_fields"' in body and "gz-rs-benefits" in body
    assert "撤回" not in body

    owner = _page(_as(city.stewards["GA"]), "exchange:resource", "person-basic")
    assert "撤回" in owner and 'name="chosen_fields"' not in owner

    clerk = f.staff(unit=f.unit("440105001"), roles=[Role.WINDOW_CLERK])
    plain = _page(_as(clerk), "exchange:resource", "person-basic")
    assert 'name="chosen_fields"' not in plain and "撤回" not in plain


def test_owner_withdraws_and_publishes_and_another_department_cannot(city):
    ga = _as(city.stewards["GA"])
    response = ga.post(reverse("exchange:resource_withdraw", args=["person-basic"]))
    assert response.status_code == 302
    assert DataResource.objects.get(code="person-basic").status == ResourceStatus.WITHDRAWN
    ga.post(reverse("exchange:resource_publish", args=["person-basic"]))
    assert DataResource.objects.get(code="person-basic").status == ResourceStatus.PUBLISHED

    mz = _as(city.stewards["MZ"])
    assert mz.post(reverse("exchange:resource_withdraw", args=["person-basic"])).status_code == 404
    assert DataResource.objects.get(code="person-basic").status == ResourceStatus.PUBLISHED
    clerk = _as(f.staff(unit=department("GA"), roles=[Role.WINDOW_CLERK]))
    url = reverse("exchange:resource_withdraw", args=["person-basic"])
    assert clerk.post(url).status_code == 403


# Grants -----------------------------------------------------------------------------------------


def test_a_request_made_on_the_resource_page_is_approved_on_the_owners_page(city):
    grant = _request_grant(city)
    assert grant.status == GrantStatus.REQUESTED and grant.fields == ["name", "birth_date"]

    ga = _as(city.stewards["GA"])
    body = _page(ga, "exchange:steward")
    assert grant.number in body and "广州市人力资源和社会保障局" in body
    assert "姓名" in body and "出生日期" in body  # the fields by their labels
    response = ga.post(
        reverse("exchange:grant_decide", args=[grant.number]),
        {"decision": "approve", "reason": "符合共享条件"},
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.status == GrantStatus.APPROVED and grant.decision_reason == "符合共享条件"

    requests = _page(_as(city.stewards["RS"]), "exchange:steward_requests")
    assert grant.number in requests and "已批准" in requests and "符合共享条件" in requests


def test_a_refused_request_form_keeps_what_was_typed_and_saves_nothing(city):
    today = timezone.localdate()
    response = _as(city.stewards["RS"]).post(
        reverse("exchange:grant_request", args=["person-basic"]),
        {
            "chosen_fields": ["name"],
            "purpose": "benefit_eligibility",
            "legal_basis": "依法",  # too short for the service
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "请填写申请的法律依据" in response.content.decode()
    assert not AccessGrant.objects.filter(requester__code="440100-RS").exists()


def test_a_rejection_needs_a_reason_and_the_requester_reads_it(city):
    grant = _request_grant(city)
    ga = _as(city.stewards["GA"])
    url = reverse("exchange:grant_decide", args=[grant.number])
    response = ga.post(url, {"decision": "reject", "reason": ""}, follow=True)
    assert "驳回须说明理由" in response.content.decode()
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REQUESTED

    ga.post(url, {"decision": "reject", "reason": "用途与资源不符，请改申就业登记信息"})
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REJECTED
    body = _page(_as(city.stewards["RS"]), "exchange:steward_requests")
    assert "已驳回" in body and "用途与资源不符" in body


def test_revoking_on_the_page_stops_the_next_query(city):
    person = rf.person(house=rf.house())
    grant = grant_approved(city)
    status, token = _token(city.client_id, city.secret)
    assert status == 200
    assert _lookup(token, person.document_number)[0] == 200

    ga = _as(city.stewards["GA"])
    url = reverse("exchange:grant_revoke", args=[grant.number])
    response = ga.post(url, {"reason": ""}, follow=True)
    assert "撤销须说明理由" in response.content.decode()
    assert _lookup(token, person.document_number)[0] == 200  # nothing changed

    ga.post(url, {"reason": "用途已结束"})
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED and grant.revoke_reason == "用途已结束"
    status, body = _lookup(token, person.document_number)
    assert status == 403 and body["error"] == "no_grant"
    assert "用途已结束" in _page(_as(city.stewards["RS"]), "exchange:steward_requests")


def test_another_departments_steward_gets_404_on_what_is_not_theirs(city):
    grant = _request_grant(city)
    person = rf.person(house=rf.house())
    resident = _resident(person)
    grant_approved(city, fields=["name"], purpose="benefit_eligibility")
    _, token = _token(city.client_id, city.secret)
    _, read = _lookup(token, person.document_number)
    objection = objection_file(
        account=resident, reason="我没有申请过失业保险", entry_seq=read["log_seq"]
    )
    mz = _as(city.stewards["MZ"])

    attempts = [
        (reverse("exchange:grant_decide", args=[grant.number]), {"decision": "approve"}),
        (reverse("exchange:grant_revoke", args=[grant.number]), {"reason": "不需要了"}),
        (reverse("exchange:client_rotate", args=[city.client_id]), {"overlap_hours": "1"}),
        (reverse("exchange:client_status", args=[city.client_id]), {"status": "suspended"}),
        (reverse("exchange:objection_answer", args=[objection.number]), {"answer": "已核实无误。"}),
        (reverse("exchange:resource_publish", args=["person-basic"]), {}),
    ]
    for url, data in attempts:
        assert mz.post(url, data).status_code == 404, url
    grant.refresh_from_db()
    objection.refresh_from_db()
    assert grant.status == GrantStatus.REQUESTED
    assert objection.status == ObjectionStatus.OPEN
    assert ClientSystem.objects.get(client_id=city.client_id).status == ClientStatus.ACTIVE
    assert ClientSecret.objects.filter(client__client_id=city.client_id).count() == 1
    # Nor do the lists show them.
    assert grant.number not in _page(mz, "exchange:steward")
    assert f'id="client-{city.client_id}"' not in _page(mz, "exchange:steward_clients")
    assert objection.number not in _page(mz, "exchange:steward_objections")
    assert str(read["log_seq"]) not in re.findall(
        r"<th scope=\"row\">(\d+)</th>", _page(mz, "exchange:steward_log")
    )


@pytest.mark.parametrize(
    "name,args,method",
    [
        ("exchange:steward", [], "get"),
        ("exchange:steward_requests", [], "get"),
        ("exchange:steward_clients", [], "get"),
        ("exchange:steward_log", [], "get"),
        ("exchange:steward_objections", [], "get"),
        ("exchange:grant_decide", ["GX1"], "post"),
        ("exchange:grant_request", ["person-basic"], "post"),
        ("exchange:steward_clients", [], "post"),
    ],
)
def test_staff_who_are_not_data_stewards_get_403(city, name, args, method):
    clerk = _as(f.staff(unit=department("GA"), roles=[Role.DEPARTMENT_REVIEWER]))
    response = getattr(clerk, method)(reverse(name, args=args))
    assert response.status_code == 403


# Client systems and secrets ------------------------------------------------------------------


def test_the_secret_is_shown_once_after_register_and_rotate_and_never_again(city):
    rs = _as(city.stewards["RS"])
    response = rs.post(
        reverse("exchange:steward_clients"),
        {
            "client_id": "gz-rs-inspection",
            "name": "劳动保障监察系统",
            "rate_limit_per_minute": "600",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    secrets = SECRET.findall(body)
    assert len(set(secrets)) == 1
    first = secrets[0]
    assert _token("gz-rs-inspection", first)[0] == 200
    client = ClientSystem.objects.get(client_id="gz-rs-inspection")
    assert client.department.code == "440100-RS" and client.rate_limit_per_minute == 600
    # Never kept: not in the session, not on the page again.
    assert first not in str(dict(rs.session.items()))
    again = _page(rs, "exchange:steward_clients")
    assert first not in again and not SECRET.search(again)
    assert first[:10] in again  # only the hint that tells secrets apart

    response = rs.post(
        reverse("exchange:client_rotate", args=["gz-rs-inspection"]), {"overlap_hours": "2"}
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    second = SECRET.findall(response.content.decode())
    assert len(set(second)) == 1 and second[0] != first
    assert _token("gz-rs-inspection", second[0])[0] == 200
    assert _token("gz-rs-inspection", first)[0] == 200  # the overlap
    assert not SECRET.search(_page(rs, "exchange:steward_clients"))


def test_a_refused_registration_says_why_and_creates_nothing(city):
    rs = _as(city.stewards["RS"])
    response = rs.post(
        reverse("exchange:steward_clients"),
        {"client_id": city.client_id, "name": "重复", "rate_limit_per_minute": "60"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "客户端标识已被使用" in body and not SECRET.search(body)
    response = rs.post(
        reverse("exchange:steward_clients"),
        {
            "client_id": "gz-rs-keyed",
            "name": "带公钥的系统",
            "rate_limit_per_minute": "60",
            "public_key_pem": "not a key",
        },
    )
    assert response.status_code == 400
    assert "客户端公钥不是有效的 PEM 公钥" in response.content.decode()
    assert ClientSystem.objects.filter(department__code="440100-RS").count() == 1


def test_suspending_a_system_stops_its_tokens_and_reactivating_restores_them(city):
    rs = _as(city.stewards["RS"])
    url = reverse("exchange:client_status", args=[city.client_id])
    rs.post(url, {"status": "suspended"})
    assert _token(city.client_id, city.secret)[0] == 401
    assert "停用" in _page(rs, "exchange:steward_clients")
    rs.post(url, {"status": "active"})
    assert _token(city.client_id, city.secret)[0] == 200


# The access log --------------------------------------------------------------------------------


def test_the_log_shows_reads_masked_filters_them_and_verifies_the_chain(city):
    person = rf.person(house=rf.house())
    grant_approved(city)
    _, token = _token(city.client_id, city.secret)
    _, first = _lookup(token, person.document_number)
    _lookup(token, person.document_number, case="SQ-OTHER-2")
    entry = AccessLogEntry.objects.get(seq=first["log_seq"])

    for steward in ("GA", "RS"):  # the owner of the resource, and the department that read
        body = _page(_as(city.stewards[steward]), "exchange:steward_log")
        assert entry.subject_label in body and person.document_number not in body
        assert "gz-rs-benefits" in body and "rs-zhang" in body and CASE in body
        assert "人口基本信息" in body and "社会救助与待遇资格审核" in body
    ga = _as(city.stewards["GA"])
    filtered = _page(ga, "exchange:steward_log", case="SQ-OTHER-2")
    assert "SQ-OTHER-2" in filtered and CASE not in filtered
    assert CASE not in _page(ga, "exchange:steward_log", purpose="tax_administration")

    response = ga.post(reverse("exchange:steward_log"))
    assert "日志完整：已校验 2 条记录" in response.content.decode()
    proof = _page(ga, "exchange:steward_log", seq=str(entry.seq))
    assert 'id="proof-report"' in proof and f"第 {entry.seq} 条记录与链条一致" in proof

    # Another department neither sees the read nor proves it.
    mz = _as(city.stewards["MZ"])
    assert entry.subject_label not in _page(mz, "exchange:steward_log")
    assert "本部门的访问日志中没有该序号的记录" in _page(
        mz, "exchange:steward_log", seq=str(entry.seq)
    )


def test_the_log_verification_names_a_tampered_entry(city):
    person = rf.person(house=rf.house())
    grant_approved(city)
    _, token = _token(city.client_id, city.secret)
    _, read = _lookup(token, person.document_number)
    AccessLogEntry.objects.filter(seq=read["log_seq"]).update(case_ref="SQ-ALTERED")
    body = _as(city.stewards["GA"]).post(reverse("exchange:steward_log")).content.decode()
    assert f"第 {read['log_seq']} 条起校验失败" in body


# The citizen's page ---------------------------------------------------------------------------


@pytest.fixture
def reads(city):
    """A citizen whose data the RS system and a window clerk read, and another citizen."""
    person = rf.person(name="黄小华", house=rf.house())
    resident = _resident(person)
    neighbour_person = rf.person(name="李四", house=rf.house())
    neighbour = _resident(neighbour_person)
    grant_approved(city)
    _, token = _token(city.client_id, city.secret)
    _, own = _lookup(token, person.document_number)
    _, other = _lookup(token, neighbour_person.document_number, case="SQ-NEIGHBOUR-1")
    clerk = f.staff(unit=f.unit("440105001"), roles=[Role.WINDOW_CLERK])
    identity_services.citizen_reveal(actor=clerk, account_id=resident.pk, purpose="核对低保申请")
    identity_services.citizen_reveal(actor=clerk, account_id=neighbour.pk, purpose="邻居的事由")
    return {
        "resident": resident,
        "neighbour": neighbour,
        "clerk": clerk,
        "own_seq": own["log_seq"],
        "other_seq": other["log_seq"],
        "own_audit": AuditEntry.objects.filter(
            event="personal_data.read", subject_id=str(resident.pk)
        ).get(),
        "other_audit": AuditEntry.objects.filter(
            event="personal_data.read", subject_id=str(neighbour.pk)
        ).get(),
    }


def test_the_citizen_sees_exchange_and_staff_reads_of_their_own_data_only(
    reads, django_assert_max_num_queries
):
    client = _as(reads["resident"])
    with django_assert_max_num_queries(14):
        body = _page(client, "exchange:my_data_access")
    assert "广州市人力资源和社会保障局" in body  # the department that read, by name
    assert "gz-rs-benefits" in body and "rs-zhang" in body
    assert "人口基本信息" in body and "姓名" in body and "出生日期" in body
    assert "社会救助与待遇资格审核" in body and CASE in body and "查得" in body
    assert "核对低保申请" in body and reads["clerk"].unit.name in body
    # Newest first: the staff read came after the exchange read.
    assert body.index("核对低保申请") < body.index(CASE)
    assert "SQ-NEIGHBOUR-1" not in body and "邻居的事由" not in body
    assert "共 2 条查看记录" in body

    # The short summary on 我的主页 links to it.
    mine = _page(client, "portal:my_page")
    assert "核对低保申请" in mine and "人口基本信息" in mine
    assert reverse("exchange:my_data_access") in mine


def test_the_citizen_page_is_for_citizens(reads):
    response = _as(reads["clerk"]).get(reverse("exchange:my_data_access"))
    assert response.status_code == 403


def test_a_restricted_read_is_hidden_until_its_date(reads):
    resident = reads["resident"]
    until = timezone.localdate() + timedelta(days=30)
    log_append(
        context=ReadContext(
            request_id="r-restricted",
            client_code="gz-ga-investigation",
            department_code="440100-GA",
            staff_user="",
            resource_code="person-basic",
            fields=["name"],
            purpose="investigation",
            case_ref="XZ-2026-SECRET",
            restricted_until=until,
        ),
        reads=[PendingRead("person", resident.id_number_index, "4401**1234", True, "h" * 64)],
    )
    hidden = AccessLogEntry.objects.get(case_ref="XZ-2026-SECRET")
    client = _as(resident)
    assert "XZ-2026-SECRET" not in _page(client, "exchange:my_data_access")
    assert "XZ-2026-SECRET" not in _page(client, "portal:my_page")
    response = client.post(
        reverse("exchange:objection_file"),
        {"kind": "exchange", "seq": hidden.seq, "reason": "我想知道是谁查询了我"},
    )
    assert response.status_code == 404
    with mock.patch("cityhall.exchange.selectors.timezone.localdate", return_value=until):
        assert "XZ-2026-SECRET" in _page(client, "exchange:my_data_access")


def test_the_citizen_files_an_objection_and_a_second_open_one_is_refused(reads):
    client = _as(reads["resident"])
    url = reverse("exchange:objection_file")
    data = {"kind": "exchange", "seq": reads["own_seq"], "reason": "我没有申请过任何待遇"}
    response = client.post(url, data)
    assert response.status_code == 302
    objection = Objection.objects.get(account=reads["resident"])
    assert objection.entry is not None and objection.entry.seq == reads["own_seq"]
    assert objection.department.code == "440100-GA"  # the owner of the data answers
    body = _page(client, "exchange:my_data_access")
    assert objection.number in body and "待答复" in body

    response = client.post(url, data)
    assert response.status_code == 400
    assert "您已对该记录提出异议，请等待答复" in response.content.decode()
    assert Objection.objects.filter(account=reads["resident"]).count() == 1

    response = client.post(url, {"kind": "exchange", "seq": reads["own_seq"], "reason": "不对"})
    assert response.status_code == 400
    assert "请用 5–2000 字说明异议" in response.content.decode()

    # A staff read goes to the data management bureau when the clerk's street office has no
    # data steward of its own.
    response = client.post(
        url, {"kind": "staff", "seq": reads["own_audit"].seq, "reason": "为什么查看我的手机号码"}
    )
    assert response.status_code == 302
    staff_objection = Objection.objects.get(audit_entry=reads["own_audit"])
    assert staff_objection.department.code == "440100-ZS"


@pytest.mark.parametrize(
    "kind,key", [("exchange", "other_seq"), ("staff", "other_audit"), ("exchange", None)]
)
def test_an_objection_to_a_read_not_of_ones_own_data_is_a_404(reads, kind, key):
    value = reads[key] if key else 999_999
    seq = value.seq if isinstance(value, AuditEntry) else value
    response = _as(reads["resident"]).post(
        reverse("exchange:objection_file"), {"kind": kind, "seq": seq, "reason": "这不是我的记录吗"}
    )
    assert response.status_code == 404
    assert not Objection.objects.exists()


def test_the_steward_answers_and_the_citizen_gets_a_message_and_sees_the_answer(
    reads, city, django_assert_max_num_queries
):
    objection = objection_file(
        account=reads["resident"], reason="我没有申请过任何待遇", entry_seq=reads["own_seq"]
    )
    ga = _as(city.stewards["GA"])
    with django_assert_max_num_queries(14):
        body = _page(ga, "exchange:steward_objections")
    assert objection.number in body and "我没有申请过任何待遇" in body
    assert "gz-rs-benefits" in body and reads["resident"].id_number not in body

    url = reverse("exchange:objection_answer", args=[objection.number])
    response = ga.post(url, {"answer": "短"})
    assert response.status_code == 400 and "请用 5–2000 字答复" in response.content.decode()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.OPEN and not Message.objects.exists()

    answer = "经核实，系您所在街道办理失业保险金申领时依法核验身份，特此答复。"
    assert ga.post(url, {"answer": answer}).status_code == 302
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.ANSWERED and objection.answer == answer
    message = Message.objects.get(recipient=reads["resident"])
    assert objection.number in message.subject and answer in message.body
    assert message.link == reverse("exchange:my_data_access")
    mine = _page(_as(reads["resident"]), "exchange:my_data_access")
    assert answer in mine and "已答复" in mine


# Query counts ---------------------------------------------------------------------------------


def test_list_pages_make_a_bounded_number_of_queries(city, django_assert_max_num_queries):
    people = [rf.person(name=name, house=rf.house()) for name in "赵钱孙周吴郑"]
    residents = [_resident(p) for p in people]
    grant_approved(city)
    for suffix in ("MZ", "SB", "ZJ"):
        grants.grant_request(
            actor=city.stewards[suffix],
            resource_code="person-basic",
            fields=["name"],
            purpose="benefit_eligibility",
            legal_basis="《社会救助暂行办法》第十一条",
            valid_from=timezone.localdate(),
            valid_until=timezone.localdate() + timedelta(days=30),
        )
    _, token = _token(city.client_id, city.secret)
    for person, resident in zip(people, residents, strict=True):
        _, read = _lookup(token, person.document_number)
        objection_file(account=resident, reason="请说明查询原因", entry_seq=read["log_seq"])
    pages = {
        "GA": [
            "exchange:catalogue",
            "exchange:steward",
            "exchange:steward_log",
            "exchange:steward_objections",
        ],
        "RS": ["exchange:steward_requests", "exchange:steward_clients", "exchange:steward_log"],
    }
    for steward, names in pages.items():
        client = _as(city.stewards[steward])
        for name in names:
            with django_assert_max_num_queries(14):
                _page(client, name)
    citizen = _as(residents[0])
    with django_assert_max_num_queries(14):
        _page(citizen, "exchange:my_data_access")
    # The citizen page has a section per domain, one or two queries each (as in portal's test).
    with django_assert_max_num_queries(MY_PAGE_QUERIES):
        _page(citizen, "portal:my_page")
