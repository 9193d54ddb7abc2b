from collections.abc import Callable
from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

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
