from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CloudConfig(AppConfig):
    name = "cityhall.cloud"
    label = "cloud"
    verbose_name = _("市民云盘")
