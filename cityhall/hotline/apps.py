from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "cityhall.hotline"
    label = "hotline"
    verbose_name = _("12345 热线")

    def ready(self) -> None:
        # Registers the periodic deadline sweep and the classifier retraining with Celery.
        from cityhall.hotline import tasks  # noqa: F401
