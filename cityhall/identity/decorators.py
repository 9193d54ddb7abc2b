from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from cityhall.identity.models import AccountKind

View = Callable[..., HttpResponseBase]


def staff_required(view: View) -> View:
    """Signed-in staff only (citizens get 403, anonymous visitors the sign-in page)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "kind", None) != AccountKind.STAFF:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def citizen_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if getattr(request.user, "kind", None) != AccountKind.CITIZEN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)
