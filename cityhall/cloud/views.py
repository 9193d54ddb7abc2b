"""The citizen's cloud: list with usage, upload, download and delete of their own files."""

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cityhall.cloud import selectors, services
from cityhall.cloud.forms import UploadForm
from cityhall.core.errors import DomainError
from cityhall.identity.decorators import citizen_required
from cityhall.identity.models import Account


def _owner(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


@citizen_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    owner = _owner(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            stored = services.file_store(
                owner=owner, upload=form.cleaned_data["upload"], name=form.cleaned_data["name"]
            )
        except DomainError as error:
            form.add_error("upload", error.message)
        else:
            messages.success(
                request,
                _("已保存“%(name)s”（%(size)s）。")
                % {"name": stored.name, "size": filesizeformat(stored.size)},
            )
            return redirect("cloud:index")
    return render(
        request,
        "cloud/index.html",
        {
            "form": form,
            "files": selectors.files_of(owner=owner),
            "usage": selectors.usage_of(owner=owner),
        },
    )


@citizen_required
@require_GET
def download(request: HttpRequest, file_id: int) -> FileResponse:
    stored = selectors.file_of(owner=_owner(request), file_id=file_id)
    response = FileResponse(
        stored.file.open("rb"),
        content_type=stored.content_type,
        as_attachment=True,
        filename=stored.download_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_required
@require_POST
def delete(request: HttpRequest, file_id: int) -> HttpResponse:
    stored = selectors.file_of(owner=_owner(request), file_id=file_id)
    services.file_delete(file=stored)
    messages.success(request, _("已删除“%(name)s”。") % {"name": stored.name})
    return redirect("cloud:index")
