from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "cityhall.geo"
    label = "geo"
    verbose_name = _("地理与网格")
