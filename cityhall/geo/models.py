from django.db import models
from django.utils.translation import gettext_lazy as _

from cityhall.core.models import TimeStampedModel


class DivisionLevel(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道/镇")
    COMMUNITY = "community", _("社区/村")


class Division(TimeStampedModel):
    """An administrative division (GB/T 2260 code; streets 9 digits, communities 12).

    Codes nest by prefix (440105 → 440105001 → 440105001001), which is what scope filters use.
    """

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=DivisionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    centre_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    centre_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    # GeoJSON geometry (Polygon or MultiPolygon, WGS84) when a boundary is known.
    boundary = models.JSONField(_("边界"), null=True, blank=True)
    source = models.CharField(_("数据来源"), max_length=200, blank=True)
    # Provenance of `boundary` on its own: the code table and the polygons come from different
    # places (a synthetic demo layout must never overwrite a surveyed boundary).
    boundary_source = models.CharField(_("边界来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_town(self) -> bool:
        """A street-level division that is a town (镇) rather than a sub-district (街道)."""
        return self.level == DivisionLevel.STREET and self.name.endswith("镇")


class Grid(TimeStampedModel):
    """A responsibility grid (网格) inside one community, with a WGS84 polygon boundary."""

    code = models.CharField(_("网格编码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    community = models.ForeignKey(
        Division,
        verbose_name=_("所属社区"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": DivisionLevel.COMMUNITY},
    )
    boundary = models.JSONField(_("边界"))
    # Bounding box, kept in step with the boundary, for coarse database-side filtering.
    min_lat = models.FloatField()
    min_lng = models.FloatField()
    max_lat = models.FloatField()
    max_lng = models.FloatField()
    source = models.CharField(_("边界来源"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
