from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "cityhall.registry"
    label = "registry"
    verbose_name = _("基础数据库")
