"""Rules every hotline service shares: tracking numbers, deadlines, photos."""

import re
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from cityhall.core.calendar import add_working_days
from cityhall.core.errors import DomainError
from cityhall.core.identifiers import mod11_2_check
from cityhall.core.uploads import IMAGES, upload_check
from cityhall.hotline.models import Category, Ticket, TicketPhoto, Urgency
from cityhall.identity.models import Account

MAX_PHOTOS = 6
TRACKING_NUMBER = re.compile(r"^\d{16}\d*[0-9X]$")


def tracking_number_make(*, pk: int, at: datetime) -> str:
    """Date, row number and a MOD 11-2 check character: unique, and typos are caught."""
    body = f"{timezone.localtime(at):%Y%m%d}{pk:08d}"
    return body + mod11_2_check(body)


def tracking_number_valid(number: str) -> bool:
    return bool(TRACKING_NUMBER.match(number)) and mod11_2_check(number[:-1]) == number[-1]


def deadline_for(*, category: Category, urgency: str, start: datetime) -> datetime:
    """Urgent work runs on the clock (hours); the rest ends with the last working day allowed."""
    if category.urgent or urgency == Urgency.URGENT:
        hours = category.urgent_hours or settings.CITYHALL_HOTLINE_URGENT_HOURS
        return start + timedelta(hours=hours)
    local = timezone.localtime(start)
    last_day = add_working_days(local.date(), category.time_limit_days)
    return timezone.make_aware(datetime.combine(last_day, time(23, 59, 59)))


def photos_check(photos: Sequence[UploadedFile]) -> list[TicketPhoto]:
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("照片最多 %(n)s 张") % {"n": MAX_PHOTOS}, code="too_many_photos")
    rows = []
    for number, upload in enumerate(photos, start=1):
        checked = upload_check(upload, label=_("照片%(n)s") % {"n": number}, allowed=IMAGES)
        rows.append(
            TicketPhoto(content_type=checked.content_type, size=checked.size, sha256=checked.sha256)
        )
    return rows


def photos_save(
    *,
    ticket: Ticket,
    rows: list[TicketPhoto],
    uploads: Sequence[UploadedFile],
    phase: str,
    by: Account | None,
) -> None:
    """Store checked photos; if the surrounding transaction fails the files are removed."""
    saved: list[TicketPhoto] = []
    try:
        for row, upload in zip(rows, uploads, strict=True):
            row.ticket = ticket
            row.phase = phase
            row.added_by = by
            row.file.save(upload.name or "photo", upload, save=False)
            saved.append(row)
        TicketPhoto.objects.bulk_create(saved)
    except Exception:
        photos_discard(saved)
        raise


def photos_discard(rows: list[TicketPhoto]) -> None:
    for row in rows:
        if row.file.name:
            row.file.storage.delete(row.file.name)
