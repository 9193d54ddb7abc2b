"""Public information: attachments, revisions with their history and changes, and the feeds."""

import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.core.models import AuditEntry
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message
from cityhall.participation import selectors, services
from cityhall.participation.models import Publication, PublicationAttachment, Topic

pytestmark = pytest.mark.django_db

STREET, OTHER_STREET = "440105001", "440104001"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ATOM = "{http://www.w3.org/2005/Atom}"


def pdf(name: str = "停水范围.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def publisher():
    return f.staff(unit=f.unit(STREET), roles=[Role.PUBLISHER])


@pytest.fixture
def notice(publisher):
    return services.publication_publish(
        author=publisher,
        title="停水通知",
        body="周六 9:00 至 17:00 停水。\n请提前储水。",
        topic=Topic.NOTICE,
        area_code=STREET,
        attachments=[pdf()],
    )


def test_publishing_keeps_version_one_and_the_files(client, notice):
    assert [(r.number, r.reason) for r in notice.revisions.all()] == [(1, "")]
    (attachment,) = notice.attachments.all()
    assert (attachment.name, attachment.content_type, attachment.size) == (
        "停水范围.pdf",
        "application/pdf",
        len(PDF),
    )
    page = client.get(reverse("participation:detail", args=[notice.pk])).content.decode()
    assert "停水范围.pdf" in page and "首次发布" in page
    response = client.get(reverse("participation:attachment", args=[notice.pk, attachment.pk]))
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_bad_file_refuses_the_whole_publish(publisher):
    disguised = SimpleUploadedFile("通知.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(DomainError):
        services.publication_publish(
            author=publisher,
            title="停电通知",
            body="停电。",
            topic=Topic.NOTICE,
            area_code=STREET,
            attachments=[pdf(), disguised],
        )
    assert not Publication.objects.exists()
    assert not PublicationAttachment.objects.exists()


def test_too_many_attachments_are_refused(publisher):
    with pytest.raises(DomainError) as refused:
        services.publication_publish(
            author=publisher,
            title="停电通知",
            body="停电。",
            topic=Topic.NOTICE,
            area_code=STREET,
            attachments=[pdf(f"{n}.pdf") for n in range(services.ATTACHMENTS_MAX + 1)],
        )
    assert refused.value.code == "too_many_attachments"
    assert not Publication.objects.exists()


def test_a_revision_keeps_the_old_text_and_shows_what_changed(client, publisher, notice):
    old_file = notice.attachments.get()
    revised = services.publication_revise(
        author=publisher,
        publication=notice,
        title="停水通知（更正）",
        body="周六 9:00 至 15:00 停水。\n请提前储水。",
        reason="停水结束时间提前到 15:00",
        attachments=[SimpleUploadedFile("新范围.png", PNG, "image/png")],
        withdraw=[old_file.pk],
    )
    assert (revised.revision, revised.title) == (2, "停水通知（更正）")
    assert [r.number for r in notice.revisions.order_by("number")] == [1, 2]
    assert notice.revisions.get(number=1).body.startswith("周六 9:00 至 17:00")
    current = selectors.attachments_current(publication=revised)
    assert [a.name for a in current] == ["新范围.png"]

    # Version 1 still lists the file it had; version 2 shows the change against it.
    first = selectors.revision_get(publication=revised, number=1)
    assert [a.name for a in first.attachments] == ["停水范围.pdf"]
    second = selectors.revision_get(publication=revised, number=2)
    assert ("-", "7") in second.changes and ("+", "5") in second.changes
    page = client.get(reverse("participation:revision", args=[notice.pk, 2])).content.decode()
    assert "<del>" in page and "<ins>" in page and "停水结束时间提前到 15:00" in page
    detail = client.get(reverse("participation:detail", args=[notice.pk])).content.decode()
    assert "第 2 版" in detail and "停水结束时间提前到 15:00" in detail
    entry = AuditEntry.objects.get(event="publication.revised")
    assert entry.detail == {"revision": 2, "reason": "停水结束时间提前到 15:00", "notify": False}
    # The withdrawn file stays downloadable: version 1 cites it.
    url = reverse("participation:attachment", args=[notice.pk, old_file.pk])
    assert client.get(url).status_code == 200


def test_revision_rules(publisher, notice):
    same = {"title": notice.title, "body": notice.body, "summary": notice.summary}
    with pytest.raises(DomainError) as unchanged:
        services.publication_revise(author=publisher, publication=notice, reason="无", **same)
    assert unchanged.value.code == "unchanged"
    with pytest.raises(DomainError) as no_reason:
        services.publication_revise(
            author=publisher, publication=notice, title="新标题", body=notice.body, reason=" "
        )
    assert no_reason.value.code == "required"
    other = f.staff(unit=f.unit(OTHER_STREET), roles=[Role.PUBLISHER])
    with pytest.raises(NotFoundError):
        services.publication_revise(
            author=other, publication=notice, title="别人的修订", body="x", reason="试图修改"
        )
    with pytest.raises(DomainError) as foreign:
        services.publication_revise(
            author=publisher,
            publication=notice,
            title="新标题",
            body=notice.body,
            reason="撤下附件",
            withdraw=[999_999],
        )
    assert foreign.value.code == "attachment"
    notice.refresh_from_db()
    assert (notice.revision, notice.title) == (1, "停水通知")


def test_revise_page_for_the_publishing_unit_only(client, publisher, notice):
    url = reverse("participation:revise", args=[notice.pk])
    other = f.staff(unit=f.unit(OTHER_STREET), roles=[Role.PUBLISHER])
    assert f.signed_in(client, other).get(url).status_code == 404
    client.logout()
    signed = f.signed_in(client, publisher)
    assert "修订" in signed.get(reverse("participation:detail", args=[notice.pk])).content.decode()
    refused = signed.post(url, {"title": "", "body": "x", "reason": "y"})
    assert refused.status_code == 400
    done = signed.post(
        url,
        {
            "title": "停水通知",
            "body": "周六 9:00 至 16:00 停水。",
            "reason": "<script>alert(1)</script>",
        },
    )
    assert done.status_code == 302
    page = client.get(reverse("participation:detail", args=[notice.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_an_unknown_version_or_attachment_is_not_found(client, notice):
    assert client.get(reverse("participation:revision", args=[notice.pk, 9])).status_code == 404
    assert (
        client.get(reverse("participation:attachment", args=[notice.pk, 999_999])).status_code
        == 404
    )


def test_feeds_carry_files_and_the_revision_date(client, publisher, notice):
    services.publication_revise(
        author=publisher,
        publication=notice,
        title=notice.title,
        body="改期。",
        reason="改期",
        attachments=[SimpleUploadedFile("二.pdf", PDF, "application/pdf")],
    )
    atom = ET.fromstring(client.get(reverse("participation:feed_atom")).content)  # noqa: S314
    (entry,) = atom.findall(f"{ATOM}entry")
    enclosures = [e for e in entry.findall(f"{ATOM}link") if e.get("rel") == "enclosure"]
    assert len(enclosures) == 2
    assert all(e.get("href", "").startswith("http://testserver/information/") for e in enclosures)
    assert entry.findtext(f"{ATOM}updated") != entry.findtext(f"{ATOM}published")
    rss = ET.fromstring(client.get(reverse("participation:feed_rss")).content)  # noqa: S314
    assert len(rss.findall("channel/item/enclosure")) == 1


def test_the_text_changes_run_by_line_for_long_texts():
    before = "甲" * 15_000 + "\n" + "乙" * 6_000 + "\n"
    after = "甲" * 15_000 + "\n" + "丙" * 6_000 + "\n"
    assert selectors.text_changes(before, after) == [
        ("=", "甲" * 15_000 + "\n"),
        ("-", "乙" * 6_000 + "\n"),
        ("+", "丙" * 6_000 + "\n"),
    ]


def test_a_revision_tells_subscribers_again_only_when_asked(
    django_capture_on_commit_callbacks, publisher, notice
):
    resident = f.citizen(home=f.community(STREET))
    services.subscription_add(subscriber=resident, topic="", area_code=STREET)
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_revise(
            author=publisher, publication=notice, title=notice.title, body="改错字。", reason="错字"
        )
    assert not Message.objects.filter(recipient=resident).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.publication_revise(
            author=publisher,
            publication=notice,
            title=notice.title,
            body="停水改到周日 9:00 至 12:00。",
            reason="停水改期到周日 & 缩短",
            notify=True,
        )
    (message,) = Message.objects.filter(recipient=resident)
    assert message.subject == "【订阅·修订】停水通知"
    assert "第 3 版" in message.body and "停水改期到周日 & 缩短" in message.body
    assert message.link == reverse("participation:revision", args=[notice.pk, 3])
    # Run again (a retried task): nobody is told twice.
    services.publication_notify(publication_id=notice.pk, revision=3)
    assert Message.objects.filter(recipient=resident).count() == 1
