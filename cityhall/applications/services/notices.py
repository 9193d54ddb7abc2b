"""Telling the applicant (and units) what happened: in-app always, email/SMS where we can."""

from django.urls import reverse

from cityhall.applications.models import Application
from cityhall.notify.models import Channel
from cityhall.notify.services import message_send


def applicant_notify(*, application: Application, note: str = "") -> None:
    """One message per state change: the new status, and why when there is a reason."""
    applicant = application.applicant
    channels = [Channel.SMS] if applicant.phone else []
    if applicant.email:
        channels.append(Channel.EMAIL)
    message_send(
        recipient=applicant,
        template="application_status",
        context={
            "application": application,
            "status": application.get_status_display(),
            "note": note,
        },
        channels=channels,
        link=reverse("applications:detail", args=[application.number]),
    )
