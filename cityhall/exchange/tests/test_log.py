"""The access log: chaining, signed checkpoints, verification that finds tampering."""

import itertools
import threading
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cityhall.exchange.models import AccessLogCheckpoint, AccessLogEntry, AccessLogHead
from cityhall.exchange.services.log import (
    PendingRead,
    ReadContext,
    checkpoint_sign,
    entry_digest,
    entry_prove,
    log_append,
    log_verify,
)

pytestmark = pytest.mark.django_db


def _append(count: int, key: str = "k") -> list[AccessLogEntry]:
    context = ReadContext(
        request_id="r-1",
        client_code="gz-rs-benefits",
        department_code="440100-RS",
        staff_user="",
        resource_code="person-basic",
        fields=["name"],
        purpose="benefit_eligibility",
        case_ref="SQ1",
        restricted_until=None,
    )
    reads = [PendingRead("person", f"{key}{i}", "4401**1234", True, "h" * 64) for i in range(count)]
    return log_append(context=context, reads=reads)


def test_entries_chain_and_the_log_verifies_with_checkpoints():
    _append(5)
    first = checkpoint_sign()
    _append(3)
    second = checkpoint_sign()
    assert checkpoint_sign() is None  # nothing new to sign
    assert first is not None and second is not None
    assert (first.seq, second.seq) == (5, 8)
    report = log_verify()
    assert report.ok and report.checked == 8 and report.checkpoints == 2
    entries = list(AccessLogEntry.objects.order_by("seq"))
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert AccessLogHead.objects.get().hash == entries[-1].hash


def test_an_altered_entry_is_named():
    _append(6)
    checkpoint_sign()
    AccessLogEntry.objects.filter(seq=4).update(department_code="440100-GA")
    report = log_verify()
    assert not report.ok and report.first_bad_seq == 4 and "altered" in report.problem
    proof = entry_prove(4)
    assert not proof.ok
    assert entry_prove(2).ok is False  # the stretch to the checkpoint is broken too
    with pytest.raises(CommandError, match="#4"):
        call_command("exchange_log_verify")


def test_a_rewritten_chain_fails_its_signed_checkpoint():
    entries = _append(4)
    checkpoint_sign()
    # An attacker with database access alters entry 2 and recomputes every later hash.
    prev = entries[0].hash
    for entry in AccessLogEntry.objects.filter(seq__gte=2).order_by("seq"):
        if entry.seq == 2:
            entry.case_ref = "forged"
        entry.prev_hash = prev
        entry.hash = prev = entry_digest(entry)
        entry.save()
    AccessLogHead.objects.update(hash=prev)
    report = log_verify()
    assert not report.ok and report.first_bad_seq == 4 and "checkpoint" in report.problem


def test_a_deleted_entry_is_named():
    _append(5)
    checkpoint_sign()
    AccessLogEntry.objects.filter(seq=3).delete()
    report = log_verify()
    assert not report.ok and report.first_bad_seq == 3 and "missing" in report.problem


def test_a_checkpoint_with_a_changed_hash_fails_its_signature():
    _append(2)
    checkpoint = checkpoint_sign()
    assert checkpoint is not None
    AccessLogCheckpoint.objects.filter(pk=checkpoint.pk).update(hash="0" * 64)
    report = log_verify()
    assert not report.ok and "signature" in report.problem


def test_entry_proof_walks_only_between_checkpoints(capsys):
    _append(3)
    checkpoint_sign()
    _append(3, key="m")
    checkpoint_sign()
    _append(2, key="n")
    proof = entry_prove(5)
    assert proof.ok and proof.from_checkpoint == 3 and proof.to_checkpoint == 6
    tail = entry_prove(8)
    assert tail.ok and tail.to_checkpoint is None
    AccessLogEntry.objects.filter(seq=2).update(found=False)
    assert entry_prove(5).ok  # the damage lies before the trusted checkpoint #3
    assert not entry_prove(2).ok
    call_command("exchange_log_verify", entry=5)
    assert "entry #5 is intact" in capsys.readouterr().out


def test_entries_with_any_text_hash_as_the_chain_says():
    # On PostgreSQL a single entry is hashed by the database (one statement under the lock),
    # several by Python: both must give entry_digest of the stored row.
    context = ReadContext(
        request_id="r-\u4e2d",
        client_code="gz-ga-investigation",
        department_code="440100-GA",
        staff_user='张三 "quoted" \\ back\u2028slash \U0001f600 %s %% ',
        resource_code="person-basic",
        fields=["name", "birth_date", "status"],
        purpose="investigation",
        case_ref="XZ-2026-案件/1#2",
        restricted_until=date(2031, 2, 28),
    )
    single = log_append(
        context=context, reads=[PendingRead("person", "k0", "4401**1234", False, "0" * 64)]
    )
    several = log_append(
        context=context,
        reads=[PendingRead("legal_person", f"k{i}", "9144**", True, "f" * 64) for i in (1, 2)],
    )
    stored = {e.seq: e for e in AccessLogEntry.objects.all()}
    for entry in single + several:
        row = stored[entry.seq]
        assert (row.pk, row.prev_hash, row.hash) == (entry.pk, entry.prev_hash, entry.hash)
        assert entry_digest(row) == row.hash == entry_digest(entry)
        assert row.staff_user == context.staff_user and row.fields == list(context.fields)
    assert [e.seq for e in single + several] == [1, 2, 3]
    assert log_verify().ok


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_keep_one_chain():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                _append(1 if i % 5 else 3, key=f"w{n}-{i}-")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = log_verify()
    assert report.ok, report.problem
    assert report.checked == 6 * (20 * 1 + 5 * 3) == AccessLogHead.objects.get().seq


def test_a_long_append_is_written_in_several_inserts_and_still_chains():
    entries = _append(1201)  # more rows than one INSERT takes on SQLite or PostgreSQL
    assert [e.seq for e in entries] == list(range(1, 1202))
    stored = dict(AccessLogEntry.objects.values_list("seq", "id"))
    assert all(e.pk == stored[e.seq] for e in entries)
    assert log_verify().checked == 1201 == AccessLogHead.objects.get().seq
