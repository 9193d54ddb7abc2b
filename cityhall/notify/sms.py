"""SMS adapters. Production plugs a carrier gateway in through settings.NOTIFY_SMS_BACKEND."""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from cityhall.notify.models import SmsOutbox


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None:
        """Deliver or raise; an exception marks the delivery failed and it is retried later."""


class OutboxSmsBackend:
    """Keeps messages in a local table (admin: 短信发件箱) instead of sending them."""

    def send(self, *, phone: str, text: str) -> None:
        SmsOutbox.objects.create(phone=phone, text=text)


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.NOTIFY_SMS_BACKEND)()
    return backend
