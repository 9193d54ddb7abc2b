from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "cityhall.applications"
    label = "applications"
    verbose_name = _("办件")

    def ready(self) -> None:
        # Registers the periodic e-supervision task with Celery.
        from cityhall.applications import tasks  # noqa: F401
