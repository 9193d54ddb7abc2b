from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "cityhall.notify"
    label = "notify"
    verbose_name = _("通知")

    def ready(self) -> None:
        # Register the tasks in every process (web processes run no Celery autodiscovery),
        # so services can enqueue them by name.
        from cityhall.notify import tasks  # noqa: F401
