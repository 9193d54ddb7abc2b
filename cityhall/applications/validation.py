"""Checks on what an applicant hands in: form fields of the item(s) and uploaded files."""

import re
from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cityhall.applications.models import MaterialSource, SubmittedMaterial
from cityhall.catalog.models import Material
from cityhall.core.errors import DomainError
from cityhall.core.identifiers import resident_id_parse, uscc_parse
from cityhall.core.uploads import upload_check

PHONE = re.compile(r"^1\d{10}$")


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


def uploaded_material(*, material: Material, upload: UploadedFile) -> SubmittedMaterial:
    """An unsaved row for a checked upload (type sniffed, size limited, content hashed)."""
    checked = upload_check(upload, label=_("材料%(name)s") % {"name": material.name})
    return SubmittedMaterial(
        material=material,
        name=material.name,
        source=MaterialSource.UPLOADED,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
