from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "cityhall.catalog"
    label = "catalog"
    verbose_name = _("政务服务事项")
