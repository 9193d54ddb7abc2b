"""市民云盘: a citizen's own uploaded documents, kept under a quota for reuse.

The stored name on disk is random; the citizen's name for the file lives only in `name`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_MAX = 120
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


class StoredFile(models.Model):
    """One file in a citizen's cloud: display name, sniffed type, size, hash and the bytes."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("所有人"),
        on_delete=models.CASCADE,
        related_name="cloud_files",
    )
    name = models.CharField(_("文件名"), max_length=NAME_MAX)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    file = models.FileField(_("文件"), upload_to="cloud/%Y/%m/", max_length=200)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("云盘文件")
        verbose_name_plural = _("云盘文件")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="cloud_file_owner")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind(self) -> str:
        """The type as people name it: PDF, JPEG, PNG."""
        return self.content_type.rsplit("/", 1)[-1].upper()

    @property
    def download_name(self) -> str:
        """The display name, with the extension of its real type added when it lacks one."""
        extension = EXTENSIONS.get(self.content_type, "")
        if extension and not self.name.lower().endswith(
            (extension, ".jpeg") if extension == ".jpg" else extension
        ):
            return f"{self.name}{extension}"
        return self.name
