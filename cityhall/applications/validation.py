"""Checks on what an applicant hands in: form fields of the item(s) and uploaded files."""

import hashlib
import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cityhall.applications.models import MaterialSource, SubmittedMaterial
from cityhall.catalog.models import Material
from cityhall.core.errors import DomainError
from cityhall.core.identifiers import resident_id_parse, uscc_parse

PHONE = re.compile(r"^1\d{10}$")
# Sniffed from the first bytes, never trusted from the browser's Content-Type.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class FormInvalid(DomainError):
    """Some fields are wrong; `errors` maps field keys to messages."""

    code = "form_invalid"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(
            _("申请表有误：%(fields)s") % {"fields": "；".join(errors.values())}, code=self.code
        )
        self.errors = errors


def _field_value(field: dict[str, Any], raw: Any) -> Any:
    text = "" if raw is None else str(raw).strip()
    kind = field["type"]
    if kind == "number":
        return float(text) if "." in text else int(text)
    if kind == "date":
        return date.fromisoformat(text).isoformat()
    if kind == "id_number":
        return resident_id_parse(text).number
    if kind == "uscc":
        return uscc_parse(text).code
    if kind == "phone":
        if not PHONE.match(text):
            raise ValueError(text)
        return text
    if kind == "choice":
        if text not in field["choices"]:
            raise ValueError(text)
        return text
    if len(text) > 2000:
        raise ValueError(text)
    return text


def form_clean(fields: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    """The cleaned values of the item's fields; unknown keys are dropped, errors name labels."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = data.get(field["key"])
        if raw is None or str(raw).strip() == "":
            if field["required"]:
                errors[field["key"]] = _("请填写“%(label)s”") % {"label": field["label"]}
            continue
        try:
            cleaned[field["key"]] = _field_value(field, raw)
        except (ValueError, DomainError):
            errors[field["key"]] = _("“%(label)s”的格式不正确") % {"label": field["label"]}
    if errors:
        raise FormInvalid(errors)
    return cleaned


def upload_check(upload: UploadedFile, *, material_name: str) -> str:
    """The sniffed content type of an acceptable upload, or a clear refusal."""
    limit = settings.CITYHALL_UPLOAD_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise DomainError(
            _("材料“%(name)s”的文件超过 %(mb)s MB") % {"name": material_name, "mb": limit >> 20},
            code="upload_too_large",
        )
    if upload.size == 0:
        raise DomainError(
            _("材料“%(name)s”的文件是空的") % {"name": material_name}, code="upload_empty"
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    raise DomainError(
        _("材料“%(name)s”只接受 PDF、JPEG 或 PNG 文件") % {"name": material_name},
        code="upload_type",
    )


def uploaded_material(*, material: Material, upload: UploadedFile) -> SubmittedMaterial:
    """An unsaved row for a checked upload (type sniffed, size limited, content hashed)."""
    content_type = upload_check(upload, material_name=material.name)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return SubmittedMaterial(
        material=material,
        name=material.name,
        source=MaterialSource.UPLOADED,
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
    )
