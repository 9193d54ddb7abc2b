from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityhall.core.errors import DomainError


class DomainErrorMiddleware:
    """Turns a DomainError escaping an HTML view into a clear page with the right status.

    Out-of-scope records raise NotFoundError, so they look exactly like missing ones (404).
    The API has its own handler in config/api.py that answers JSON.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return render(
            request,
            "error.html",
            {"message": exception.message, "status": exception.status},
            status=exception.status,
        )
