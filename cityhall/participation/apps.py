from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "cityhall.participation"
    label = "participation"
    verbose_name = _("政民互动")

    def ready(self) -> None:
        # Register the tasks in every process, so services can enqueue them by name.
        from cityhall.applications.supervision_sections import section_register
        from cityhall.participation import tasks  # noqa: F401
        from cityhall.participation.mailbox.selectors import supervision_section

        # Overdue letters show on the supervision page beside the applications' cards.
        section_register(supervision_section)
