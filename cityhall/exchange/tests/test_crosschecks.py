"""Cross-checks (比对): the registry reads, the runs (grants, findings, the access log), handling
findings, the command, the task and the staff pages."""

import logging
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.exchange.models import (
    AccessGrant,
    AccessLogEntry,
    ClientSystem,
    CrossCheckRun,
    Finding,
)
from cityhall.exchange.services import crosschecks as service
from cityhall.exchange.services.log import content_hash, log_verify
from cityhall.exchange.tasks import crosschecks_run_all
from cityhall.exchange.tests import factories as f
from cityhall.exchange.tests.city import ExchangeCity, department, exchange_city
from cityhall.exchange.vocab import FindingStatus, RunStatus
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as idf
from cityhall.registry import crosschecks

pytestmark = pytest.mark.django_db

PERIOD = date(2026, 10, 1)
SEP, AUG, JUN = date(2026, 9, 1), date(2026, 8, 1), date(2026, 6, 1)


@pytest.fixture
def city() -> ExchangeCity:
    return exchange_city()


@pytest.fixture
def systems(city) -> f.CrosscheckSystems:
    return f.crosscheck_systems(city)


# Planted cases and near misses ---------------------------------------------------------------


@pytest.fixture
def unemployment_cases() -> dict[str, object]:
    high_payer, other = f.company(name="广州高薪科技有限公司"), f.company()
    by_contribution = f.person(name="陈大明")
    f.benefit(by_contribution, since=date(2026, 5, 1))
    f.contribution(by_contribution, PERIOD, employer=high_payer, base=15000)
    by_job = f.person(name="李小红")
    f.benefit(by_job, since=date(2026, 6, 1))
    f.job(by_job, high_payer, since=date(2026, 9, 1), wage_band="gt20000")
    # Near misses: each lacks exactly one condition of the rule.
    ended = f.person(name="张三")
    f.benefit(ended, since=date(2026, 3, 1), until=date(2026, 9, 15))
    f.contribution(ended, PERIOD, employer=other, base=15000)
    low_base = f.person(name="王五")
    f.benefit(low_base)
    f.contribution(low_base, PERIOD, employer=other, base=8000)
    f.job(low_base, other, wage_band="5000_10000")
    job_ended = f.person(name="赵六")
    f.benefit(job_ended, since=date(2026, 8, 1))
    f.job(job_ended, other, since=date(2024, 1, 1), until=date(2026, 7, 31), wage_band="gt20000")
    # Matched by the job; the month's contribution is shown too, though alone it would not count.
    both = f.person(name="欧阳明")
    f.benefit(both, since=date(2026, 10, 15))
    f.job(both, high_payer, since=date(2024, 1, 1), wage_band="10000_20000")
    f.contribution(both, PERIOD, employer=high_payer, base=15000)
    left_last_month = f.person(name="冯十")  # a case for September, not for October
    f.benefit(left_last_month, since=date(2026, 5, 1))
    f.job(
        left_last_month,
        other,
        since=date(2026, 6, 1),
        until=SEP.replace(day=20),
        wage_band="gt20000",
    )
    job_after_benefit = f.person(name="陈十一")  # the new job starts after the benefit ended
    f.benefit(job_after_benefit, since=date(2026, 3, 1), until=date(2026, 10, 10))
    f.job(job_after_benefit, other, since=date(2026, 10, 20), wage_band="gt20000")
    handover = f.person(name="孙七")  # the benefit starts mid-month: last wage, then benefit
    f.benefit(handover, since=date(2026, 10, 15))
    f.contribution(handover, PERIOD, employer=other, base=15000)
    in_arrears = f.person(name="周八")
    f.benefit(in_arrears)
    f.contribution(in_arrears, PERIOD, employer=other, base=15000, status="arrears")
    other_kind = f.person(name="吴九")
    f.benefit(other_kind, kind="pension")
    f.contribution(other_kind, PERIOD, employer=other, base=15000)
    return {
        "by_contribution": by_contribution,
        "by_job": by_job,
        "both": both,
        "company": high_payer,
        "left_last_month": left_last_month,
    }


@pytest.fixture
def arrears_cases() -> dict[str, object]:
    owing = f.company(name="广州欠费贸易有限公司")
    a, b = f.person(name="钱一"), f.person(name="钱二")
    f.job(a, owing)
    f.job(b, owing)
    f.contribution(a, PERIOD, employer=owing, status="arrears", base=6000)
    f.contribution(a, SEP, employer=owing, status="arrears", base=6000)
    f.contribution(b, PERIOD, employer=owing, status="paid", base=6000)
    all_paid = f.company(name="广州按时缴费有限公司")
    for name in ("孔一", "孔二"):
        worker = f.person(name=name)
        f.job(worker, all_paid)
        f.contribution(worker, PERIOD, employer=all_paid)
    no_staff = f.company(name="广州已无职工有限公司")
    left = f.person(name="曹一")
    f.job(left, no_staff, until=date(2026, 8, 31))
    f.contribution(left, AUG, employer=no_staff, status="arrears")
    revoked = f.company(name="广州已吊销有限公司", status="revoked")
    staff = f.person(name="严一")
    f.job(staff, revoked)
    f.contribution(staff, PERIOD, employer=revoked, status="arrears")
    old_debt = f.company(name="广州旧欠有限公司")
    worker = f.person(name="华一")
    f.job(worker, old_debt)
    f.contribution(worker, JUN, employer=old_debt, status="arrears")  # outside the 3 months
    return {"owing": owing}


@pytest.fixture
def deceased_cases() -> dict[str, object]:
    sb, mz = department("SB"), department("MZ")
    two_benefits = f.person(name="林老伯", status="deceased")
    f.benefit(two_benefits, kind="pension", amount=3200, since=date(2010, 1, 1), paid_by=sb)
    f.benefit(two_benefits, kind="subsistence", amount=1100, since=date(2020, 1, 1), paid_by=mz)
    allowance = f.person(name="何阿婆", status="deceased")
    f.benefit(allowance, kind="subsistence", amount=1100, since=date(2021, 1, 1), paid_by=mz)
    f.person(name="罗无待遇", status="deceased")
    stopped = f.person(name="梁已停发", status="deceased")
    f.benefit(stopped, kind="pension", since=date(2012, 1, 1), until=date(2026, 9, 30), paid_by=sb)
    alive = f.person(name="郑在世")
    f.benefit(alive, kind="pension", since=date(2015, 1, 1), paid_by=sb)
    return {"two_benefits": two_benefits, "allowance": allowance}


# The registry reads --------------------------------------------------------------------------


def test_unemployment_while_employed_finds_planted_cases_only(unemployment_cases):
    found = {
        m.person.document_index: m for m in crosschecks.unemployment_while_employed(period=PERIOD)
    }
    by_contribution = unemployment_cases["by_contribution"]
    by_job = unemployment_cases["by_job"]
    both = unemployment_cases["both"]
    assert set(found) == {
        by_contribution.document_index,
        by_job.document_index,
        both.document_index,
    }
    paid = found[by_contribution.document_index]
    assert paid.contribution is not None and paid.employment is None
    assert paid.contribution.base == Decimal("15000.00")
    assert paid.contribution.employer_name == "广州高薪科技有限公司"
    assert paid.benefit.since == date(2026, 5, 1)
    employed = found[by_job.document_index]
    assert employed.contribution is None
    assert employed.employment is not None and employed.employment.wage_band == "gt20000"
    shown = found[both.document_index]
    assert shown.employment is not None and shown.contribution is not None


def test_a_job_that_ended_last_month_is_a_case_for_last_month(unemployment_cases):
    september = {m.person.name for m in crosschecks.unemployment_while_employed(period=SEP)}
    assert "冯十" in september
    assert "陈十一" not in september


def test_unemployment_threshold_is_a_keyword(unemployment_cases):
    found = crosschecks.unemployment_while_employed(period=PERIOD, high_base=Decimal(7000))
    names = {m.person.name for m in found}
    assert "王五" in names  # the 8,000 base counts once the threshold is lower


def test_contribution_arrears_finds_owing_company_only(arrears_cases):
    found = list(crosschecks.contribution_arrears(period=PERIOD))
    assert [m.uscc for m in found] == [arrears_cases["owing"].uscc]
    owing = found[0]
    assert (owing.employees_current, owing.employees_in_arrears) == (2, 1)
    assert owing.months == (PERIOD, SEP)
    assert owing.base_total == Decimal("12000.00")


def test_contribution_arrears_window_is_a_keyword(arrears_cases):
    names = {m.name for m in crosschecks.contribution_arrears(period=PERIOD, months=5)}
    assert "广州旧欠有限公司" in names


def test_deceased_receiving_one_match_per_person_largest_benefit_first(deceased_cases):
    found = {m.person.document_index: m for m in crosschecks.deceased_receiving(period=PERIOD)}
    two = deceased_cases["two_benefits"]
    assert set(found) == {two.document_index, deceased_cases["allowance"].document_index}
    assert [b.kind for b in found[two.document_index].benefits] == ["pension", "subsistence"]


def test_period_must_be_first_of_month():
    with pytest.raises(ValueError):
        list(crosschecks.deceased_receiving(period=date(2026, 10, 2)))


# Runs ----------------------------------------------------------------------------------------


def _run_entries(run: CrossCheckRun):
    return AccessLogEntry.objects.filter(case_ref=f"BD-RUN-{run.pk}")


def test_run_writes_findings_for_sb_and_logs_each_subject_once(systems, unemployment_cases):
    run = service.crosscheck_run(
        rule="unemployment_while_employed", period=PERIOD, client=systems.sb
    )
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.findings_total, run.findings_new) == (3, 3)
    findings = {x.subject_key: x for x in Finding.objects.filter(run=run)}
    by_contribution = unemployment_cases["by_contribution"]
    assert set(findings) == {
        unemployment_cases[key].document_index for key in ("by_contribution", "by_job", "both")
    }
    finding = findings[by_contribution.document_index]
    assert finding.number.startswith("BD") and len(finding.number) == 16
    assert finding.department == department("SB")
    assert finding.subject_kind == "person" and finding.status == FindingStatus.OPEN
    assert finding.subject_label.startswith("陈*明 ")
    assert by_contribution.document_number not in finding.subject_label
    assert finding.subject_label.endswith(by_contribution.document_number[-4:])
    sections = {s["key"]: s for s in finding.evidence["sections"]}
    facts = {fact["key"]: fact for fact in sections["contribution"]["facts"]}
    assert facts["base"]["value"] == "15000.00" and facts["base"]["label"] == "缴费基数（元）"
    assert facts["employer_uscc"]["value"] == unemployment_cases["company"].uscc

    entries = list(_run_entries(run).order_by("seq"))
    assert sorted(e.subject_key for e in entries) == sorted(findings)
    entry = next(e for e in entries if e.subject_key == by_contribution.document_index)
    assert (entry.client_code, entry.department_code, entry.staff_user) == (
        f.SB_CLIENT,
        "440100-SB",
        "",
    )
    assert (entry.resource_code, entry.fields, entry.purpose) == (
        "person-benefits",
        ["benefits", "amounts"],
        "cross_check",
    )
    assert entry.found and entry.restricted_until is None
    assert entry.response_hash == content_hash(finding.evidence)
    assert entry.subject_label.endswith(by_contribution.document_number[-4:])
    assert len({e.request_id for e in entries}) == 1
    assert log_verify().ok


def test_rerun_finds_nothing_new_but_logs_the_reads_again(systems, unemployment_cases):
    first = service.crosscheck_run(
        rule="unemployment_while_employed", period=PERIOD, client=systems.sb
    )
    again = service.crosscheck_run(
        rule="unemployment_while_employed", period=PERIOD, client=systems.sb
    )
    assert again.status == RunStatus.SUCCEEDED
    assert (again.findings_total, again.findings_new) == (3, 0)
    assert Finding.objects.count() == 3
    assert set(Finding.objects.values_list("run", flat=True)) == {first.pk}
    assert _run_entries(again).count() == 3  # the second run read the same people again
    report = log_verify()
    assert report.ok and report.checked == 6


def test_missing_grant_fails_the_run_naming_it(city, unemployment_cases):
    systems = f.crosscheck_systems(city, without=("SB:person-employment",))
    run = service.crosscheck_run(
        rule="unemployment_while_employed", period=PERIOD, client=systems.sb
    )
    assert run.status == RunStatus.FAILED
    assert "person-employment" in run.error
    assert run.finished_at is not None and run.findings_total == 0
    assert not Finding.objects.exists()
    assert not AccessLogEntry.objects.exists()


def test_expired_grant_fails_the_run_naming_the_grant(systems, unemployment_cases):
    grant = systems.grants["SB:person-benefits"]
    AccessGrant.objects.filter(pk=grant.pk).update(
        valid_from=date(2024, 1, 1), valid_until=date(2025, 1, 1)
    )
    run = service.crosscheck_run(
        rule="unemployment_while_employed", period=PERIOD, client=systems.sb
    )
    assert run.status == RunStatus.FAILED
    assert grant.number in run.error and "到期" in run.error
    assert not Finding.objects.exists() and not AccessLogEntry.objects.exists()


def test_failure_while_writing_leaves_no_findings(systems, unemployment_cases, monkeypatch, caplog):
    def broken(**_kwargs):
        raise RuntimeError("log store unavailable")

    monkeypatch.setattr(service, "log_append", broken)
    with caplog.at_level(logging.ERROR):
        run = service.crosscheck_run(
            rule="unemployment_while_employed", period=PERIOD, client=systems.sb
        )
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "log store unavailable" in run.error
    assert not Finding.objects.exists() and not AccessLogEntry.objects.exists()
    assert "failed" in caplog.text


def test_contribution_arrears_run_finds_the_company(systems, arrears_cases):
    run = service.crosscheck_run(rule="contribution_arrears", period=PERIOD, client=systems.sb)
    assert run.status == RunStatus.SUCCEEDED, run.error
    finding = Finding.objects.get(run=run)
    owing = arrears_cases["owing"]
    assert (finding.subject_kind, finding.subject_key, finding.subject_label) == (
        "legal_person",
        owing.uscc,
        owing.name,
    )
    facts = {x["key"]: x for s in finding.evidence["sections"] for x in s["facts"]}
    assert facts["months"]["value"] == ["2026-10", "2026-09"]
    assert facts["employees_current"]["value"] == 2
    entry = _run_entries(run).get()
    assert (entry.subject_kind, entry.subject_key, entry.resource_code) == (
        "legal_person",
        owing.uscc,
        "company-basic",
    )


def test_deceased_findings_go_to_the_paying_unit(systems, deceased_cases):
    run = service.crosscheck_run(rule="deceased_receiving", period=PERIOD, client=systems.mz)
    assert run.status == RunStatus.SUCCEEDED, run.error
    by_subject = {x.subject_key: x for x in Finding.objects.filter(run=run)}
    two = by_subject[deceased_cases["two_benefits"].document_index]
    assert two.department == department("SB")  # pays the larger benefit (the pension)
    titles = [s["title"] for s in two.evidence["sections"]]
    assert titles == ["人口状态", "基本养老金", "最低生活保障金"]
    assert by_subject[deceased_cases["allowance"].document_index].department == department("MZ")
    entries = _run_entries(run)
    assert {e.department_code for e in entries} == {"440100-MZ"}
    assert {e.resource_code for e in entries} == {"person-basic"}


def test_deceased_run_needs_the_police_grant(systems, deceased_cases):
    run = service.crosscheck_run(rule="deceased_receiving", period=PERIOD, client=systems.sb)
    assert run.status == RunStatus.FAILED and "person-basic" in run.error


def test_unknown_rule_and_bad_period_are_refused(systems):
    with pytest.raises(DomainError):
        service.crosscheck_run(rule="nonsense", period=PERIOD, client=systems.sb)
    with pytest.raises(DomainError):
        service.crosscheck_run(
            rule="deceased_receiving", period=date(2026, 10, 5), client=systems.mz
        )
    assert not CrossCheckRun.objects.exists()


def test_previous_month():
    assert service.previous_month(date(2026, 1, 15)) == date(2025, 12, 1)
    assert service.previous_month(date(2026, 3, 31)) == date(2026, 2, 1)


# Handling findings ---------------------------------------------------------------------------


@pytest.fixture
def finding(systems, unemployment_cases) -> Finding:
    service.crosscheck_run(rule="unemployment_while_employed", period=PERIOD, client=systems.sb)
    return Finding.objects.get(subject_key=unemployment_cases["by_contribution"].document_index)


@pytest.fixture
def sb_reviewer():
    return idf.staff(unit=department("SB"), roles=[Role.DEPARTMENT_REVIEWER])


@pytest.fixture
def mz_reviewer():
    return idf.staff(unit=department("MZ"), roles=[Role.DEPARTMENT_REVIEWER])


def test_responsible_department_resolves_a_finding(finding, sb_reviewer):
    done = service.finding_resolve(
        actor=sb_reviewer, number=finding.number, confirmed=True, note=" 已核实，停发失业金 "
    )
    assert done.status == FindingStatus.CONFIRMED
    assert (done.handled_by, done.note) == (sb_reviewer, "已核实，停发失业金")
    assert done.handled_at is not None
    with pytest.raises(DomainError):
        service.finding_resolve(
            actor=sb_reviewer, number=finding.number, confirmed=False, note="再次"
        )


def test_dismissing_needs_a_note(finding, sb_reviewer):
    with pytest.raises(DomainError):
        service.finding_resolve(
            actor=sb_reviewer, number=finding.number, confirmed=False, note=" x "
        )
    done = service.finding_resolve(
        actor=sb_reviewer, number=finding.number, confirmed=False, note="兼职收入已申报"
    )
    assert done.status == FindingStatus.DISMISSED


def test_other_department_cannot_see_or_resolve(finding, mz_reviewer):
    with pytest.raises(NotFoundError):
        service.finding_resolve(
            actor=mz_reviewer, number=finding.number, confirmed=True, note="已核"
        )
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_role_without_the_capability_is_refused(finding):
    operator = idf.staff(unit=department("SB"), roles=[Role.HOTLINE_OPERATOR])
    with pytest.raises(PermissionDeniedError):
        service.finding_resolve(actor=operator, number=finding.number, confirmed=True, note="已核")


# Command and task ----------------------------------------------------------------------------


def test_command_prints_each_rule(systems, unemployment_cases):
    out = StringIO()
    call_command(
        "exchange_crosscheck",
        "--client",
        f.SB_CLIENT,
        "--rule",
        "unemployment_while_employed",
        "--period",
        "2026-10",
        stdout=out,
    )
    assert "unemployment_while_employed 2026-10：已完成，匹配 3，新线索 3" in out.getvalue()


def test_command_reports_failed_rules(systems, unemployment_cases):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 项比对失败"):
        call_command(
            "exchange_crosscheck",
            "--client",
            f.SB_CLIENT,
            "--period",
            "2026-10",
            stdout=out,
            stderr=err,
        )
    assert "contribution_arrears 2026-10：已完成" in out.getvalue()
    assert "deceased_receiving" in err.getvalue() and "person-basic" in err.getvalue()


@pytest.mark.parametrize("args", [["--period", "2026-13"], ["--client", "nobody"]])
def test_command_refuses_bad_arguments(systems, args):
    base = {"--client": f.SB_CLIENT, "--period": "2026-10"}
    base[args[0]] = args[1]
    with pytest.raises(CommandError):
        call_command("exchange_crosscheck", *[x for pair in base.items() for x in pair])


def test_task_runs_each_rule_once_and_skips_missing_clients(city, caplog):
    f.crosscheck_systems(city)
    ClientSystem.objects.filter(client_id=f.MZ_CLIENT).update(client_id="440100-mz-other")
    with caplog.at_level(logging.WARNING):
        outcome = crosschecks_run_all()
    assert outcome == {
        "unemployment_while_employed": "succeeded",
        "contribution_arrears": "succeeded",
        "deceased_receiving": "skipped",
    }
    assert f.MZ_CLIENT in caplog.text
    assert crosschecks_run_all()["unemployment_while_employed"] == "done"
    assert CrossCheckRun.objects.filter(rule="unemployment_while_employed").count() == 1
    assert CrossCheckRun.objects.get(rule="contribution_arrears").period == service.previous_month()


# Pages ---------------------------------------------------------------------------------------


def test_list_shows_own_findings_filtered(
    client, finding, sb_reviewer, django_assert_max_num_queries
):
    idf.signed_in(client, sb_reviewer)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("exchange:findings"))
    assert response.status_code == 200
    body = response.content.decode()
    assert finding.number in body and finding.subject_label in body
    assert "<caption>" in body
    other = client.get(reverse("exchange:findings"), {"rule": "contribution_arrears"})
    assert finding.number not in other.content.decode()
    closed = client.get(reverse("exchange:findings"), {"status": "confirmed"})
    assert finding.number not in closed.content.decode()


def test_list_of_another_department_is_empty(client, finding, mz_reviewer):
    idf.signed_in(client, mz_reviewer)
    response = client.get(reverse("exchange:findings"))
    assert response.status_code == 200 and finding.number not in response.content.decode()


def test_detail_shows_evidence_and_form(client, finding, sb_reviewer):
    idf.signed_in(client, sb_reviewer)
    response = client.get(reverse("exchange:finding_detail", args=[finding.number]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "缴费基数（元）" in body and "15000.00" in body and "广州高薪科技有限公司" in body
    assert reverse("exchange:finding_resolve", args=[finding.number]) in body
    assert "csrfmiddlewaretoken" in body


def test_detail_and_resolve_of_another_department_are_404(client, finding, mz_reviewer):
    idf.signed_in(client, mz_reviewer)
    assert client.get(reverse("exchange:finding_detail", args=[finding.number])).status_code == 404
    response = client.post(
        reverse("exchange:finding_resolve", args=[finding.number]),
        {"decision": "confirmed", "note": "已核实"},
    )
    assert response.status_code == 404
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_resolve_through_the_page(client, finding, sb_reviewer):
    idf.signed_in(client, sb_reviewer)
    url = reverse("exchange:finding_resolve", args=[finding.number])
    bad = client.post(url, {"decision": "confirmed", "note": "x"})
    assert bad.status_code == 400
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN
    response = client.post(url, {"decision": "dismissed", "note": "兼职收入已申报"})
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange:finding_detail", args=[finding.number])
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DISMISSED and finding.note == "兼职收入已申报"
    page = client.get(response["Location"]).content.decode()
    assert "兼职收入已申报" in page and 'name="note"' not in page


def test_pages_need_staff(client, finding):
    response = client.get(reverse("exchange:findings"))
    assert response.status_code == 302  # to the sign-in page
    citizen = idf.citizen(home=idf.community("440105001"))
    idf.signed_in(client, citizen)
    assert client.get(reverse("exchange:findings")).status_code == 403
