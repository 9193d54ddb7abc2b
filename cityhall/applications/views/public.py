"""The public verify page: an e-certificate's code, or an acceptance number's progress."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityhall.applications import selectors
from cityhall.core import crypto
from cityhall.core.errors import DomainError


def verify(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip()[:40]
    number = request.GET.get("number", "").strip()[:40]
    context: dict[str, object] = {"code": code, "number": number}
    try:
        if code:
            certificate = selectors.certificate_verify(code=code)
            context["certificate"] = certificate
            context["holder"] = crypto.mask_name(certificate.holder_name)
        elif number:
            context["progress"] = selectors.application_progress(number=number)
    except DomainError as error:
        context["error"] = error.message
    return render(request, "applications/verify.html", context)
