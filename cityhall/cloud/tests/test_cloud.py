"""市民云盘: own files only, sniffed types, quota and file limit, nothing left behind on refusal."""

import threading
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cityhall.cloud import selectors, services
from cityhall.cloud.models import StoredFile
from cityhall.core.errors import DomainError, NotFoundError, PermissionDeniedError
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f

pytestmark = pytest.mark.django_db

STREET = "440105001"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    """Real files on disk under a temporary MEDIA_ROOT, so a test can see what was left there."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def on_disk(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def upload(content: bytes = PDF, name: str = "户口本.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def citizen():
    return f.citizen(home=f.community(STREET))


@pytest.fixture
def other_citizen():
    return f.citizen(home=f.community(STREET), name="李四")


def test_store_and_download_own_file(client, citizen, media):
    f.signed_in(client, citizen)
    page = client.post(reverse("cloud:index"), {"upload": upload(), "name": ""}, follow=True)
    assert page.status_code == 200
    assert "已保存“户口本.pdf”" in page.content.decode()
    stored = StoredFile.objects.get(owner=citizen)
    assert (stored.name, stored.content_type, stored.size) == (
        "户口本.pdf",
        "application/pdf",
        len(PDF),
    )
    # The bytes sit under cloud/YYYY/MM/ with a random name, never the citizen's.
    [path] = on_disk(media)
    assert path.relative_to(media).parts[0] == "cloud"
    assert "户口本" not in path.name and path.suffix == ".pdf"

    response = client.get(reverse("cloud:download", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E6%88%B7%E5%8F%A3%E6%9C%AC.pdf" in response["Content-Disposition"]


def test_download_adds_the_real_types_extension(citizen):
    stored = services.file_store(owner=citizen, upload=upload(PNG, "scan.pdf"), name="身份证正面")
    assert stored.content_type == "image/png"
    assert stored.download_name == "身份证正面.png"


def test_another_citizen_gets_404_for_download_and_delete(client, citizen, other_citizen, media):
    stored = services.file_store(owner=citizen, upload=upload())
    f.signed_in(client, other_citizen)
    assert client.get(reverse("cloud:download", args=[stored.pk])).status_code == 404
    assert client.post(reverse("cloud:delete", args=[stored.pk])).status_code == 404
    assert "户口本" not in client.get(reverse("cloud:index")).content.decode()
    assert StoredFile.objects.filter(pk=stored.pk).exists()
    assert len(on_disk(media)) == 1
    with pytest.raises(NotFoundError):
        selectors.file_of(owner=other_citizen, file_id=stored.pk)


def test_staff_get_403_and_cannot_store(client, citizen):
    stored = services.file_store(owner=citizen, upload=upload())
    clerk = f.staff(unit=f.unit(STREET), roles=[Role.WINDOW_CLERK])
    f.signed_in(client, clerk)
    assert client.get(reverse("cloud:index")).status_code == 403
    assert client.get(reverse("cloud:download", args=[stored.pk])).status_code == 403
    assert client.post(reverse("cloud:delete", args=[stored.pk])).status_code == 403
    assert StoredFile.objects.filter(pk=stored.pk).exists()
    with pytest.raises(PermissionDeniedError):
        services.file_store(owner=clerk, upload=upload())


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("cloud:index"))
    assert response.status_code == 302 and reverse("identity:signin") in response["Location"]


def test_quota_full_is_refused_and_nothing_is_stored(client, settings, citizen, media):
    settings.CITYHALL_CLOUD_QUOTA_BYTES = len(PDF) + 10
    services.file_store(owner=citizen, upload=upload())
    with pytest.raises(DomainError) as error:
        services.file_store(owner=citizen, upload=upload(name="第二份.pdf"))
    assert error.value.code == "quota_full"
    message = error.value.message.replace("\xa0", " ")
    assert f"已用 {len(PDF)} 字节" in message and "剩余 10 字节" in message

    f.signed_in(client, citizen)
    page = client.post(reverse("cloud:index"), {"upload": upload(name="第三份.pdf")})
    assert page.status_code == 200 and "云盘空间不足" in page.content.decode()
    assert StoredFile.objects.filter(owner=citizen).count() == 1
    assert len(on_disk(media)) == 1


def test_quota_is_per_citizen(settings, citizen, other_citizen):
    settings.CITYHALL_CLOUD_QUOTA_BYTES = len(PDF)
    services.file_store(owner=citizen, upload=upload())
    services.file_store(owner=other_citizen, upload=upload())
    assert selectors.usage_of(owner=citizen).percent == 100


def test_too_many_files(settings, citizen, media):
    settings.CITYHALL_CLOUD_MAX_FILES = 2
    for n in range(2):
        services.file_store(owner=citizen, upload=upload(name=f"{n}.pdf"))
    with pytest.raises(DomainError) as error:
        services.file_store(owner=citizen, upload=upload(name="2.pdf"))
    assert error.value.code == "too_many_files"
    assert StoredFile.objects.filter(owner=citizen).count() == 2
    assert len(on_disk(media)) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (EXE, "只接受 PDF、JPEG、PNG 文件"),  # a program renamed .pdf
        (b"", "的文件是空的"),
        (PDF + b"\x00" * 2048, "的文件超过"),
    ],
    ids=["wrong-type", "empty", "oversize"],
)
def test_unacceptable_uploads_are_refused_in_the_form(
    client, settings, citizen, media, content, message
):
    settings.CITYHALL_UPLOAD_MAX_BYTES = 1024
    f.signed_in(client, citizen)
    page = client.post(reverse("cloud:index"), {"upload": upload(content, "report.pdf")})
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not StoredFile.objects.exists()
    assert on_disk(media) == []


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system.ini", "system.ini"),
        ("C:/Users/x/身份证.pdf", "身份证.pdf"),
        ("a\x00b\r\nc.pdf", "abc.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("  ..hidden.pdf  ", "hidden.pdf"),
        ("../..", ""),
        ("长" * 200 + ".pdf", "长" * 116 + ".pdf"),
    ],
)
def test_name_clean(raw, clean):
    assert services.name_clean(raw) == clean


def test_names_are_cleaned_when_stored(citizen):
    stored = services.file_store(owner=citizen, upload=upload(), name="../../etc/passwd")
    assert stored.name == "passwd"
    on_storage = stored.file.name or ""
    assert on_storage.startswith("cloud/") and "etc" not in on_storage and ".." not in on_storage
    assert services.file_store(owner=citizen, upload=upload(name="passwd")).name == "passwd"
    typed = services.file_store(owner=citizen, upload=upload(), name="../我的\x07合同")
    assert typed.name == "我的合同"
    nameless = services.file_store(owner=citizen, upload=upload(name="..."))
    assert nameless.name == "未命名文件"


def test_delete_removes_the_file_from_storage(
    client, citizen, media, django_capture_on_commit_callbacks
):
    stored = services.file_store(owner=citizen, upload=upload())
    f.signed_in(client, citizen)
    assert client.get(reverse("cloud:delete", args=[stored.pk])).status_code == 405
    assert len(on_disk(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cloud:delete", args=[stored.pk]))
    assert response.status_code == 302
    assert not StoredFile.objects.exists()
    assert on_disk(media) == []


def test_a_failed_write_leaves_no_file(monkeypatch, citizen, media):
    def broken_save(self, *args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(StoredFile, "save", broken_save)
    with pytest.raises(IntegrityError):
        services.file_store(owner=citizen, upload=upload())
    assert on_disk(media) == []


def test_usage_counts_the_owners_files(settings, citizen):
    settings.CITYHALL_CLOUD_QUOTA_BYTES = 1000
    services.file_store(owner=citizen, upload=upload())
    services.file_store(owner=citizen, upload=upload(PNG, "a.png"))
    usage = selectors.usage_of(owner=citizen)
    assert (usage.used, usage.quota, usage.files, usage.percent) == (
        len(PDF) + len(PNG),
        1000,
        2,
        12,
    )


def test_list_page_queries_do_not_grow_with_files(client, citizen):
    services.file_store(owner=citizen, upload=upload())
    f.signed_in(client, citizen)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("cloud:index")).status_code == 200
    for n in range(5):
        services.file_store(owner=citizen, upload=upload(name=f"{n}.pdf"))
    with CaptureQueriesContext(connection) as six:
        page = client.get(reverse("cloud:index"))
    assert page.content.decode().count("<tr>") == 7  # header + six files
    assert len(six) == len(one)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs on the PostgreSQL CI leg")
def test_parallel_uploads_cannot_both_pass_the_quota(settings, monkeypatch, media):
    """Two real transactions upload at once; the quota leaves room for one file."""
    owner = f.citizen(home=f.community(STREET))
    settings.CITYHALL_CLOUD_QUOTA_BYTES = len(PDF) + 10
    counted = selectors.usage_of

    def slow_usage_of(**kwargs):
        usage = counted(**kwargs)
        time.sleep(0.3)  # without the lock, both would count an empty cloud here
        return usage

    monkeypatch.setattr(selectors, "usage_of", slow_usage_of)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            services.file_store(owner=owner, upload=upload(name=f"{n}.pdf"))
            outcomes.append("stored")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["quota_full", "stored"]
    assert StoredFile.objects.filter(owner=owner).count() == 1
    assert len(on_disk(media)) == 1
