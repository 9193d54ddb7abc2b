from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "cityhall.exchange"
    label = "exchange"
    verbose_name = _("数据共享交换")
