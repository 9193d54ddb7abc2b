from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cityhall.notify import selectors, services


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    messages_qs = selectors.inbox_for(account=request.user)  # type: ignore[arg-type]
    page = Paginator(messages_qs, 20).get_page(request.GET.get("page"))
    return render(request, "notify/inbox.html", {"page": page})


@login_required
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.inbox_message_get(account=request.user, message_id=message_id)  # type: ignore[arg-type]
    services.message_mark_read(message=message)
    return render(request, "notify/message.html", {"message": message})


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    for message in selectors.inbox_for(account=request.user, unread_only=True):  # type: ignore[arg-type]
        services.message_mark_read(message=message)
    return redirect("notify:inbox")
