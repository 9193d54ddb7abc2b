"""Checks on uploaded files shared by every domain: size, emptiness, sniffed type, content hash."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError

PDF = (b"%PDF-", "application/pdf")
JPEG = (b"\xff\xd8\xff", "image/jpeg")
PNG = (b"\x89PNG\r\n\x1a\n", "image/png")
DOCUMENTS: tuple[tuple[bytes, str], ...] = (PDF, JPEG, PNG)
IMAGES: tuple[tuple[bytes, str], ...] = (JPEG, PNG)


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def upload_check(
    upload: UploadedFile,
    *,
    label: str,
    allowed: tuple[tuple[bytes, str], ...] = DOCUMENTS,
) -> CheckedUpload:
    """The sniffed type, size and hash of an acceptable upload, or a clear refusal.

    The type comes from the file's first bytes, never from the browser's Content-Type.
    """
    limit = settings.CITYHALL_UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise DomainError(
            _("“%(name)s”的文件超过 %(mb)s MB") % {"name": label, "mb": limit >> 20},
            code="upload_too_large",
        )
    if upload.size == 0:
        raise DomainError(_("“%(name)s”的文件是空的") % {"name": label}, code="upload_empty")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    content_type = next((kind for magic, kind in allowed if head.startswith(magic)), None)
    if content_type is None:
        names = "、".join(kind.split("/")[1].upper() for _magic, kind in allowed)
        raise DomainError(
            _("“%(name)s”只接受 %(types)s 文件") % {"name": label, "types": names},
            code="upload_type",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(content_type=content_type, size=upload.size, sha256=digest.hexdigest())
