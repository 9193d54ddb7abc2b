import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from cityhall.core.audit import AuditEvent, audit_record
from cityhall.identity.cards import CARD_SESSION_KEY, card_session
from cityhall.identity.models import AccountKind


def session_verified(user: Any) -> bool:
    """True when this request's session passed a second factor (set by django_otp's middleware)."""
    return bool(getattr(user, "is_verified", lambda: False)())


class StaffVerificationMiddleware:
    """A staff session without a verified second factor is not a session.

    Sign-in never creates one, but sessions made any other way (a stale session from before
    enrolment, a session forged by a bug elsewhere) are ended here rather than trusted.
    Must run after django_otp's OTPMiddleware, which provides `is_verified`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "kind", None) == AccountKind.STAFF
            and not session_verified(user)
        ):
            logout(request)
        return self.get_response(request)


class CardSessionMiddleware:
    """A session signed in by card + PIN at a kiosk is that kiosk's session and nothing more.

    It may only reach the kiosk's own pages (a card is not a password: it must not open the
    account's settings or the full citizen page on a public terminal), and it ends after
    `CITYHALL_KIOSK_IDLE_SECONDS` without a request, whatever the page's own timer did.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = card_session(request)
        if session is not None and request.user.is_authenticated:
            now = time.time()
            if now - session.last_seen > settings.CITYHALL_KIOSK_IDLE_SECONDS:
                audit_record(
                    event=AuditEvent.SIGNOUT,
                    actor=request.user,
                    subject_type="account",
                    subject_id=request.user.pk,
                    detail={"card": session.card_number, "reason": "idle"},
                    request=request,
                )
                logout(request)
                return redirect(f"{settings.CITYHALL_KIOSK_HOME}?timeout=1")
            if not request.path.startswith(settings.CITYHALL_KIOSK_PATHS):
                return redirect(settings.CITYHALL_KIOSK_HOME)
            request.session[CARD_SESSION_KEY] = {
                **request.session[CARD_SESSION_KEY],
                "last_seen": now,
            }
        return self.get_response(request)
