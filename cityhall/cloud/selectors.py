"""Reads for the citizen cloud: only ever the owner's own files."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from cityhall.cloud.models import StoredFile
from cityhall.core.errors import NotFoundError
from cityhall.identity.models import Account


@dataclass(frozen=True)
class Usage:
    used: int
    quota: int
    files: int
    max_files: int
    percent: int

    @property
    def left(self) -> int:
        return max(self.quota - self.used, 0)


def files_of(*, owner: Account) -> QuerySet[StoredFile]:
    """The owner's files, newest first."""
    return StoredFile.objects.filter(owner=owner)


def file_of(*, owner: Account, file_id: int) -> StoredFile:
    """One of the owner's files; anyone else's is indistinguishable from a missing one."""
    found = files_of(owner=owner).filter(pk=file_id).first()
    if found is None:
        raise NotFoundError(_("没有这个文件"))
    return found


def usage_of(*, owner: Account) -> Usage:
    """Bytes and files used against the quota and the file limit (one query)."""
    totals = StoredFile.objects.filter(owner=owner).aggregate(used=Sum("size"), files=Count("id"))
    used = totals["used"] or 0
    quota = settings.CITYHALL_CLOUD_QUOTA_BYTES
    percent = min(100, used * 100 // quota) if quota > 0 else 100
    return Usage(
        used=used,
        quota=quota,
        files=totals["files"],
        max_files=settings.CITYHALL_CLOUD_MAX_FILES,
        percent=percent,
    )
