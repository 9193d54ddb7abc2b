"""Two residents, each with something of every kind the citizen page shows.

Used to prove the page shows a resident their own things and that no URL or API lets another
resident reach them.
"""

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile

from cityhall.applications.models import Application, Certificate
from cityhall.applications.services import review
from cityhall.applications.services.intake import Intake, application_submit, plan_for
from cityhall.applications.tests import factories as af
from cityhall.cloud.models import StoredFile
from cityhall.cloud.services import file_store
from cityhall.hotline.models import Channel, Ticket
from cityhall.hotline.services.intake import ticket_create
from cityhall.hotline.tests import factories as hf
from cityhall.identity import services as identity_services
from cityhall.identity.models import Account, SocialSecurityCard
from cityhall.identity.tests import factories as idf
from cityhall.notify.models import Message
from cityhall.notify.services import message_send
from cityhall.participation.mailbox.services import letter_write
from cityhall.participation.models import Letter, Mailbox, Subscription
from cityhall.participation.services import subscription_add
from cityhall.registry.models import CorrectionRequest, Person
from cityhall.registry.services.corrections import correction_report
from cityhall.registry.tests import factories as rf


@dataclass
class Resident:
    account: Account
    person: Person
    supplement: Application  # waiting for the resident's materials
    approved: Application
    certificate: Certificate
    ticket: Ticket
    file: StoredFile
    message: Message
    subscription: Subscription
    card: SocialSecurityCard
    correction: CorrectionRequest
    letter: Letter


@dataclass
class World:
    alice: Resident
    bob: Resident
    reviewers: dict[str, Account]


def _online(applicant: Account, key: str) -> Application:
    plan = plan_for(item_code="RS-003")
    return application_submit(
        Intake(
            applicant=applicant,
            idempotency_key=key,
            item_code="RS-003",
            uploads={m.pk: af.pdf(f"{m.pk}.pdf") for m in plan.materials},
            division_code=af.STREET,
            form=af.form_values(plan.fields),
        )
    )


def _decide(application: Application, reviewers: dict[str, Account], outcome: str) -> None:
    for task in application.tasks.filter(status="open"):
        reviewer = reviewers["rs"] if task.unit.code.endswith("RS") else reviewers["sb"]
        review.task_decide(task_id=task.pk, by=reviewer, outcome=outcome, opinion="请补交材料")


def _resident(
    name: str, hc: hf.HotlineCity, reviewers: dict[str, Account], mailbox: Mailbox
) -> Resident:
    person = rf.person(name=name, house=rf.house())
    account = identity_services.citizen_register(
        id_number=person.document_number,
        real_name=name,
        password=idf.PASSWORD,
        phone="13912345678",
        home_division=idf.community(af.STREET),
    )
    supplement = _online(account, f"{name}-s")
    _decide(supplement, reviewers, "supplement")
    approved = _online(account, f"{name}-a")
    for _round in range(3):  # acceptance, then the parallel reviews
        _decide(approved, reviewers, "approve")
    supplement.refresh_from_db()
    approved.refresh_from_db()
    ticket = ticket_create(
        draft=hf.draft(hc, channel=Channel.WEB, reporter=account, received_by=None)
    )
    upload = SimpleUploadedFile(f"{name}-lease.pdf", af.PDF, content_type="application/pdf")
    message = message_send(recipient=account, template="welcome", context={})
    assert message is not None
    return Resident(
        account=account,
        person=person,
        supplement=supplement,
        approved=approved,
        certificate=Certificate.objects.get(application=approved),
        ticket=ticket,
        file=file_store(owner=account, upload=upload, name=f"{name}的租房合同"),
        message=message,
        subscription=subscription_add(subscriber=account, topic="", area_code=af.STREET),
        card=idf.card(holder=account),
        correction=correction_report(
            reporter=account,
            fact_key=f"registry.Person:{person.pk}",
            field="姓名",
            proposed=f"{name}改",
        ),
        letter=letter_write(
            writer=account,
            mailbox=mailbox,
            subject=f"{name}反映小区停车问题",
            body="小区门口长期有车辆占道停放，请协调处理。",
        ),
    )


def world() -> World:
    hc = hf.hotline_city()
    reviewers = {"rs": af.reviewer(af.DISTRICT, "RS"), "sb": af.reviewer(af.CITY, "SB")}
    mailbox = Mailbox.objects.create(
        name="区长信箱", unit=idf.unit(af.DISTRICT), addressee="区长", time_limit_days=10
    )
    return World(
        alice=_resident("陈爱丽", hc, reviewers, mailbox),
        bob=_resident("李博文", hc, reviewers, mailbox),
        reviewers=reviewers,
    )
