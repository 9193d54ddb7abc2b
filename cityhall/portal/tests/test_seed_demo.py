import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cityhall.core.identifiers import resident_id_parse, uscc_parse
from cityhall.exchange.models import (
    AccessGrant,
    AccessLogCheckpoint,
    AccessLogEntry,
    ClientSystem,
    CrossCheckRun,
    DataResource,
    Finding,
)
from cityhall.exchange.services.log import log_verify
from cityhall.geo.models import Division
from cityhall.hotline.models import ClassifierModel, InspectorGrid, Ticket
from cityhall.identity.models import (
    Account,
    AccountKind,
    EnterpriseMandate,
    SocialSecurityCard,
    StaffRole,
)
from cityhall.identity.roles import Role
from cityhall.participation import selectors as participation_selectors
from cityhall.participation.models import (
    BoardPost,
    Consultation,
    Letter,
    Mailbox,
    Publication,
    Survey,
    Topic,
)
from cityhall.registry.models import FactChange, LegalPerson, Person

pytestmark = pytest.mark.django_db

SMALL = {
    "persons": 500,
    "companies": 30,
    "citizens": 60,
    "enterprises": 10,
    "tickets": 400,
    "communities_per_street": 1,
    "grids_per_community": 1,
    "quiet_accounts": True,
    "force": True,
}


def _snapshot() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_is_idempotent_and_consistent(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", **SMALL)
    first = _snapshot()
    call_command("seed_demo", **SMALL)
    assert _snapshot() == first

    # 一页 + 一卡: the printed citizens hold cards, and their street's notice reached them.
    holders = Account.objects.filter(cards__status="active").distinct()
    assert holders.count() == 3
    assert SocialSecurityCard.objects.filter(number__regex=r"^[A-Z][0-9]{8}$").count() == 3
    assert Publication.objects.exclude(topic=Topic.CONSULTATION).count() == 3
    # (Subscribers are told after commit, which this test's transaction never reaches; the
    # fan-out itself is tested in participation.) Each printed citizen's street subscription
    # is reached by the city's item at least.
    reached = {
        s.subscriber_id
        for p in Publication.objects.all()
        for s in participation_selectors.subscribers_of(publication=p)
    }
    assert set(holders.values_list("pk", flat=True)) <= reached
    assert not FactChange.objects.exists()  # the second import found nothing to change

    # 政民互动: an open draft with comments and an answered one, letters in three mailboxes
    # (one published, one overdue), an open and a closed survey with answers, a board post
    # turned into a 12345 ticket.
    now = timezone.now()
    assert Consultation.objects.filter(closes_at__gt=now, comments__isnull=False).exists()
    assert Consultation.objects.filter(responded_at__isnull=False).count() == 1
    assert Mailbox.objects.count() == 3
    assert Letter.objects.filter(published_at__isnull=False).exists()
    assert Letter.objects.filter(due_on__lt=now.date(), answered_at__isnull=True).exists()
    assert Survey.objects.filter(responses__isnull=False).distinct().count() == 2
    converted = BoardPost.objects.filter(ticket__isnull=False).select_related("ticket")
    assert converted.exists()
    for post in converted:
        assert post.ticket is not None
        assert (post.ticket.channel, post.ticket.reporter) == ("board", post.author)

    # The registry came in through the import pipeline, each file from its department.
    assert Person.objects.count() >= 450
    assert {p.supplied_by.code for p in Person.objects.select_related("supplied_by")[:50]} == {
        "440100-GA"
    }
    assert LegalPerson.objects.count() == 30

    # Citizen accounts are registry persons: same document, consistent ID, birth date, gender.
    citizens = Account.objects.filter(kind=AccountKind.CITIZEN)
    assert citizens.count() >= 60
    districts = set(Division.objects.filter(level="district").values_list("code", flat=True))
    for citizen in citizens:
        person = Person.objects.get(document_index=citizen.id_number_index)
        parsed = resident_id_parse(citizen.id_number)
        assert parsed.birth_date == citizen.birth_date == person.birth_date
        assert parsed.gender == citizen.gender == person.gender
        # A local's ID carries the Guangzhou district where the number was first issued (not
        # always today's); a migrant's carries their registered residence elsewhere.
        if person.hukou_division_code.startswith("4401"):
            assert parsed.division_code in districts
        else:
            assert person.hukou_division_code == parsed.division_code
    for mandate in EnterpriseMandate.objects.select_related("agent"):
        company = LegalPerson.objects.get(uscc=uscc_parse(mandate.uscc).code)
        assert company.legal_representative is not None
        assert company.legal_representative.document_index == mandate.agent.id_number_index
    assert EnterpriseMandate.objects.count() == 10

    # Every role in at least two districts (and the city), each with a confirmed authenticator.
    for role in Role.values:
        districts = {
            r.account.unit.division.code[:6]  # type: ignore[union-attr]
            for r in StaffRole.objects.filter(role=role).select_related("account__unit__division")
        }
        assert {"440105", "440106"} <= districts, role
    staff = Account.objects.filter(kind=AccountKind.STAFF)
    assert TOTPDevice.objects.filter(confirmed=True, user__in=staff).count() == staff.count()

    # The hotline: a history, a classifier trained on it, live work for the demo journey, and
    # each demo inspector on their street's grids.
    assert Ticket.objects.filter(received_by__username="city-operator").count() == 7
    # The history, the live work and the community-board posts turned into tickets.
    assert Ticket.objects.count() == 400 + 7 + converted.count()
    assert ClassifierModel.objects.filter(is_active=True).count() == 1
    inspector = Account.objects.get(username="hz1-inspector")
    assert InspectorGrid.objects.filter(inspector=inspector).exists()
    assert all(
        link.grid.code.startswith("440105001")
        for link in InspectorGrid.objects.filter(inspector=inspector).select_related("grid")
    )
    assert Ticket.objects.filter(inspector=inspector).count() == 2

    # The exchange: the catalogue, department systems, grants (one left for a steward to
    # decide), reads of the first demo citizens in a log that verifies and is signed.
    assert DataResource.objects.filter(status="published").count() >= 5
    assert ClientSystem.objects.count() == 5
    assert AccessGrant.objects.filter(status="requested").count() == 1
    assert (
        AccessLogEntry.objects.filter(purpose__in=["benefit_eligibility", "investigation"]).count()
        == 41
    )
    earliest = citizens.order_by("pk").first()
    assert earliest is not None
    mine = AccessLogEntry.objects.filter(subject_key=earliest.id_number_index)
    assert {e.department_code for e in mine} == {"440100-RS", "440100-GA"}
    assert mine.filter(restricted_until__isnull=False).count() == 1
    # The cross-checks ran on the demo's last month and found the planted cases.
    assert {r.status for r in CrossCheckRun.objects.all()} == {"succeeded"}
    assert Finding.objects.filter(rule="unemployment_while_employed").exists()
    assert Finding.objects.filter(rule="contribution_arrears").exists()
    head = AccessLogEntry.objects.order_by("-seq").first()
    assert head is not None and AccessLogCheckpoint.objects.filter(seq=head.seq).exists()
    assert log_verify().ok
