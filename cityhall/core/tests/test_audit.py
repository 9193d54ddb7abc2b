import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from cityhall.core.audit import audit_digest, audit_record, audit_verify
from cityhall.core.models import AuditChainHead, AuditEntry

pytestmark = pytest.mark.django_db


def _record(n: int) -> list[AuditEntry]:
    return [
        audit_record(
            event="test.event", actor_label=f"u{i}", subject_id=i, detail={"i": i, "名": "值"}
        )
        for i in range(n)
    ]


def _drop_guard() -> None:
    # What an attacker with database rights would do first; the chain must still catch them.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditentry DISABLE TRIGGER core_auditentry_no_update")
        else:
            cursor.execute("DROP TRIGGER core_auditentry_no_update")


def test_entries_chain_to_each_other():
    entries = _record(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, entries[2].hash)
    report = audit_verify()
    assert report.ok and report.checked == 3


def test_database_refuses_updates():
    entry = _record(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET event = 'x' WHERE id = %s", [entry.pk])


def test_verify_names_the_altered_row():
    entries = _record(5)
    _drop_guard()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET actor_label = 'someone-else' WHERE id = %s", [entries[2].pk]
        )
    report = audit_verify()
    assert not report.ok
    assert report.first_bad_seq == 3
    assert report.checked == 2
    with pytest.raises(CommandError, match="#3"):
        call_command("audit_verify")


def test_verify_names_a_missing_row():
    entries = _record(4)
    _drop_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    report = audit_verify()
    assert (report.ok, report.first_bad_seq) == (False, 2)
    assert "missing" in report.problem


def test_verify_notices_a_truncated_tail():
    entries = _record(3)
    _drop_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[2].pk])
    report = audit_verify()
    assert (report.ok, report.first_bad_seq) == (False, 3)


def test_rolled_back_entry_leaves_no_gap():
    _record(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(event="test.rolled_back")
        raise RuntimeError
    _record(1)
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
    assert audit_verify().ok


def test_command_reports_intact_chain(capsys):
    _record(2)
    call_command("audit_verify")
    assert "intact: 2 entries" in capsys.readouterr().out


def test_verify_notices_an_entry_forged_past_the_head():
    entries = _record(2)
    forged = AuditEntry(
        seq=3,
        at=entries[1].at,
        event="test.forged",
        prev_hash=entries[1].hash,
        hash="f" * 64,
    )
    forged.hash = audit_digest(forged)  # a forger who knows the scheme
    forged.save(force_insert=True)
    report = audit_verify()
    assert (report.ok, report.first_bad_seq) == (False, 3)
    assert "outside the chain" in report.problem
