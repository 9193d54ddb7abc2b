"""Writes for the citizen cloud: store a checked file within the quota, delete one."""

import secrets
import unicodedata
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cityhall.cloud import selectors
from cityhall.cloud.models import EXTENSIONS, NAME_MAX, StoredFile
from cityhall.core.errors import DomainError, PermissionDeniedError
from cityhall.core.uploads import DOCUMENTS, upload_check
from cityhall.identity.models import Account


def name_clean(value: str) -> str:
    """A display name without folders, control or format characters, at most NAME_MAX long."""
    value = unicodedata.normalize("NFC", value or "").replace("\\", "/")
    value = value.rsplit("/", 1)[-1]
    # Cc: control characters (NUL, newlines); Cf: format characters such as the right-to-left
    # override that makes "txt.exe" read as "exe.txt"; Cs/Co/Cn: nothing a name needs.
    value = "".join(ch for ch in value if not unicodedata.category(ch).startswith("C"))
    value = " ".join(value.split()).strip(" .")
    if len(value) > NAME_MAX:
        stem, dot, extension = value.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            value = f"{stem[: NAME_MAX - len(extension) - 1].rstrip()}.{extension}"
        else:
            value = value[:NAME_MAX].rstrip()
    return value


def file_store(*, owner: Account, upload: UploadedFile, name: str = "") -> StoredFile:
    """Keep a citizen's upload (PDF/JPEG/PNG) if it fits the quota and the number of files.

    Refusals and failures leave nothing behind: no row and no file in storage. Callers should
    not wrap this in a transaction of their own: a rollback there cannot remove the file.
    """
    if not owner.is_citizen:
        raise PermissionDeniedError(_("只有市民可以使用云盘"))
    display = name_clean(name) or name_clean(upload.name or "")
    checked = upload_check(upload, label=display or _("文件"), allowed=DOCUMENTS)
    if not display:
        display = _("未命名文件")
    row = StoredFile(
        owner=owner,
        name=display,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    try:
        with transaction.atomic():
            # One upload at a time per account: the second waits here and then counts the
            # first one's file, so two parallel uploads cannot both slip under the quota.
            Account.objects.select_for_update().filter(pk=owner.pk).values_list("pk").get()
            _room_check(owner=owner, size=checked.size)
            stored_name = secrets.token_hex(16) + EXTENSIONS[checked.content_type]
            row.file.save(stored_name, upload, save=False)
            row.save()
    except BaseException:
        if row.file.name:
            row.file.storage.delete(row.file.name)
        raise
    return row


def _room_check(*, owner: Account, size: int) -> None:
    usage = selectors.usage_of(owner=owner)
    if usage.files >= usage.max_files:
        raise DomainError(
            _("云盘最多保存 %(n)d 个文件，请先删除不再需要的文件") % {"n": usage.max_files},
            code="too_many_files",
        )
    if usage.used + size > usage.quota:
        raise DomainError(
            _("云盘空间不足：已用 %(used)s，剩余 %(left)s，这个文件 %(size)s")
            % {
                "used": filesizeformat(usage.used),
                "left": filesizeformat(max(usage.quota - usage.used, 0)),
                "size": filesizeformat(size),
            },
            code="quota_full",
        )


def file_delete(*, file: StoredFile) -> None:
    """Delete the record now and its stored bytes once the deletion is committed."""
    storage, stored_name = file.file.storage, file.file.name
    with transaction.atomic():
        file.delete()
        if stored_name:
            transaction.on_commit(partial(storage.delete, stored_name))
