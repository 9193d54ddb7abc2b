"""Public information pages, the resident's subscriptions, and the publisher's form."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall.core.errors import DomainError
from cityhall.identity.decorators import citizen_required, staff_required
from cityhall.identity.models import Account
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can, require_capability
from cityhall.participation import selectors, services
from cityhall.participation.forms import PublicationForm, RevisionForm, SubscriptionForm
from cityhall.participation.models import Topic


def index(request: HttpRequest) -> HttpResponse:
    topic = request.GET.get("topic", "")
    topic = topic if topic in Topic.values else ""
    area = request.GET.get("area", "")[:12]
    text = request.GET.get("q", "").strip()[:60]
    items = selectors.publications_public(topic=topic, area_code=area, text=text)
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "participation/index.html",
        {
            "page": page,
            "topics": Topic.choices,
            "topic": topic,
            "area": area,
            "q": text,
            "areas": selectors.subscribable_areas().exclude(level="street"),
        },
    )


def detail(request: HttpRequest, publication_id: int) -> HttpResponse:
    publication = selectors.publication_get(publication_id=publication_id)
    actor = request.user
    return render(
        request,
        "participation/detail.html",
        {
            "publication": publication,
            "attachments": selectors.attachments_current(publication=publication),
            "revisions": selectors.revisions_of(publication=publication),
            "can_revise": getattr(actor, "unit_id", None) == publication.publisher_id
            and account_can(actor, Capability.INFORMATION_PUBLISH),  # type: ignore[arg-type]
        },
    )


def revision(request: HttpRequest, publication_id: int, number: int) -> HttpResponse:
    publication = selectors.publication_get(publication_id=publication_id)
    view = selectors.revision_get(publication=publication, number=number)
    return render(
        request, "participation/revision.html", {"publication": publication, "view": view}
    )


def attachment(request: HttpRequest, publication_id: int, attachment_id: int) -> FileResponse:
    """A published file, for anyone; sent as a download with the type it was checked to be."""
    row = selectors.attachment_get(publication_id=publication_id, attachment_id=attachment_id)
    response = FileResponse(
        row.file.open("rb"), content_type=row.content_type, as_attachment=True, filename=row.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_required
@require_http_methods(["GET", "POST"])
def revise(request: HttpRequest, publication_id: int) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    require_capability(actor, Capability.INFORMATION_PUBLISH)
    publication = selectors.publication_of_unit(actor=actor, publication_id=publication_id)
    form = RevisionForm(request.POST or None, request.FILES or None, publication=publication)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            revised = services.publication_revise(
                author=actor,
                publication=publication,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                effective_on=data["effective_on"],
                reason=data["reason"],
                attachments=data["attachments"],
                withdraw=data["withdraw"],
                notify=data["notify"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("已发布第 %(n)d 版，修订记录已公开。") % {"n": revised.revision}
            )
            return redirect("participation:detail", revised.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "participation/revise.html",
        {"form": form, "publication": publication},
        status=status,
    )


def _area_choices(account: Account) -> list[tuple[str, str]]:
    home = [(a.code, a.label) for a in selectors.home_areas(account=account)]
    others = [
        (d.code, d.name)
        for d in selectors.subscribable_areas()
        if d.code not in {code for code, _label in home}
    ]
    return [(_("我的所在地"), home), (_("其他区域"), others)]  # type: ignore[list-item]


@citizen_required
@require_http_methods(["GET", "POST"])
def subscriptions(request: HttpRequest) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    form = SubscriptionForm(request.POST or None, areas=_area_choices(account))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.subscription_add(
                subscriber=account,
                topic=data["topic"],
                area_code=data["area"],
                by_email=data["by_email"],
                by_sms=data["by_sms"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("订阅成功，新信息发布后会发到您的消息中心。"))
            return redirect("participation:subscriptions")
    return render(
        request,
        "participation/subscriptions.html",
        {"form": form, "subscriptions": selectors.subscriptions_of(account=account)},
    )


@citizen_required
@require_POST
def subscription_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    account: Account = request.user  # type: ignore[assignment]
    subscription = selectors.subscription_of(account=account, subscription_id=subscription_id)
    services.subscription_remove(subscription=subscription)
    messages.success(request, _("已退订。"))
    return redirect("participation:subscriptions")


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every subscription message: works without signing in; GET only asks."""
    subscription = services.subscription_from_token(token)
    done = False
    if request.method == "POST" and subscription is not None:
        services.subscription_remove(subscription=subscription)
        subscription, done = None, True
    return render(
        request,
        "participation/unsubscribe.html",
        {"subscription": subscription, "done": done},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest) -> HttpResponse:
    actor: Account = request.user  # type: ignore[assignment]
    require_capability(actor, Capability.INFORMATION_PUBLISH)
    areas = [(d.code, d.name) for d in selectors.publishable_areas(actor=actor)]
    form = PublicationForm(request.POST or None, request.FILES or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            publication = services.publication_publish(
                author=actor,
                title=data["title"],
                body=data["body"],
                topic=data["topic"],
                area_code=data["area"],
                summary=data["summary"],
                effective_on=data["effective_on"],
                attachments=data["attachments"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已发布，订阅人将收到通知。"))
            return redirect("participation:detail", publication.pk)
    return render(
        request,
        "participation/publish.html",
        {"form": form, "mine": selectors.publications_of_unit(actor=actor)[:20]},
    )
