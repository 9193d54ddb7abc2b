"""No citizen reaches another citizen's applications, tickets, documents, files, messages,
subscriptions, card or data through any URL or API.

Every URL pattern that takes a parameter must be named below: either as something a resident
owns (then Bob tries it with Alice's identifiers, by GET and POST, and must get nothing of
hers), or as staff-only, or as public by design with the reason. A new URL that is in none of
these lists fails the test until someone decides which it is.
"""

from collections.abc import Callable, Iterator, Sequence

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cityhall.identity.tests import factories as idf
from cityhall.portal.tests.world import Resident, world

pytestmark = pytest.mark.django_db

Args = Callable[[Resident], list[object]]

# URL name → the owner's identifiers it takes.
OWNED: dict[str, Args] = {
    "applications:detail": lambda r: [r.supplement.number],
    "applications:rate": lambda r: [r.approved.number],
    "applications:supplement": lambda r: [r.supplement.number],
    "applications:withdraw": lambda r: [r.supplement.number],
    "applications:follow_up": lambda r: [r.approved.number, 1],
    "applications:document_pdf": lambda r: [r.certificate.number],
    "kiosk:certificate": lambda r: [r.certificate.number],
    "kiosk:certificate_view": lambda r: [r.certificate.number],
    "kiosk:certificate_pdf": lambda r: [r.certificate.number],
    "kiosk:application": lambda r: [r.supplement.number],
    "cloud:download": lambda r: [r.file.pk],
    "cloud:delete": lambda r: [r.file.pk],
    "notify:message": lambda r: [r.message.pk],
    "participation:subscription_delete": lambda r: [r.subscription.pk],
    "mailbox:letter": lambda r: [r.letter.pk],
    "api-v1:detail": lambda r: [r.supplement.number],
    "api-v1:rate": lambda r: [r.approved.number],
    "api-v1:mark_read": lambda r: [r.message.pk],
}
# Pages and APIs for staff only: a resident gets 403 (or is sent to sign in) whatever the id.
STAFF_ONLY = {
    "identity:citizen_detail",
    "identity:citizen_card",
    "registry:person",
    "registry:house",
    "registry:house_action",
    "registry:correction",
    "applications:task",
    "applications:material",
    "applications:window_apply",
    "applications:receipt",
    "applications:rectification_visit",
    "hotline:staff_detail",
    "hotline:act",
    "hotline:photo",
    "hotline:inspector_task",
    "exchange:resource",
    "exchange:resource_publish",
    "exchange:resource_withdraw",
    "exchange:grant_request",
    "exchange:grant_decide",
    "exchange:grant_revoke",
    "exchange:client_rotate",
    "exchange:client_status",
    "exchange:objection_answer",
    "exchange:finding_detail",
    "exchange:finding_resolve",
    "participation:revise",
    "consultations:manage_detail",
    "consultations:manage_hide",
    "consultations:manage_restore",
    "consultations:manage_answer",
    "consultations:manage_report",
    "mailbox:staff_letter",
    "surveys:results_csv",
    "surveys:manage",
    "surveys:edit",
    "surveys:open",
    "surveys:close",
    "surveys:question_add",
    "surveys:question_edit",
    "surveys:question_delete",
    "surveys:question_move",
    "boards:hide",
    "boards:restore",
    "boards:convert",
    "api-v1:resident",
    "api-v1:person",
    "api-v1:house",
    "api-v1:decide",
}
# Public by design, and why no resident's personal data is behind them.
PUBLIC = {
    "geo:division_detail": "administrative divisions",
    "catalog:item": "the service guide",
    "catalog:bundle": "the service guide",
    "applications:apply_item": "an empty form for the signed-in resident themself",
    "applications:apply_bundle": "an empty form for the signed-in resident themself",
    "kiosk:service_apply": "an empty form for the card holder themself",
    "hotline:track": "tracking by number shows category, status and public steps, no reporter",
    "hotline:survey": "a 128-bit secret sent only to the reporter",
    "participation:detail": "published public information",
    "participation:unsubscribe": "a signed token sent only to the subscriber",
    "participation:revision": "earlier versions of published public information",
    "participation:attachment": "files published with public information",
    "consultations:detail": "a published draft; comments show the commenter's surname only",
    "consultations:report": "the published response report",
    "consultations:comment": "writes the signed-in resident's own comment (own tests)",
    "consultations:support": "the signed-in resident's own support (own tests)",
    "mailbox:mailbox": "a mailbox and its letters published with consent, no writer's name",
    "mailbox:write": "writes the signed-in resident's own letter (own tests)",
    "surveys:detail": "an empty form for residents in the audience (own tests: others 404)",
    "surveys:results": "aggregates of a closed survey; text answers only to its unit",
    "boards:board": "a public board; residents' names masked",
    "boards:post": "a public thread; residents' names masked",
    "boards:reply": "writes the signed-in resident's own reply (own tests)",
    "api-v1:division_detail": "administrative divisions",
    "api-v1:division_grids": "administrative divisions",
    "api-v1:item": "the service guide",
    "opendata:download": "aggregate open data with small cells suppressed",
    "ckan:action": "the open-data catalogue",
    "ckan-unversioned:action": "the open-data catalogue",
    "exchange:lookup": "department systems with a token and a grant (tested in exchange)",
    "exchange:batch": "department systems with a token and a grant (tested in exchange)",
    "open311:discovery": "Open311 (own tests)",
    "open311:services": "Open311 (own tests)",
    "open311:service": "Open311 (own tests)",
    "open311:requests": "Open311 (own tests): public fields only",
    "open311:request": "Open311 (own tests): public fields only",
    "open311:token": "Open311 (own tests)",
    "open311:updates": "Open311 (own tests)",
}


def _patterns(patterns: list, namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _patterns(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            route = str(entry.pattern)
            if ("<" in route or "(?P" in route) and entry.name:
                yield (f"{namespace}:{entry.name}" if namespace else entry.name), route


def test_every_url_with_a_parameter_is_classified():
    names = {
        name
        for name, _route in _patterns(get_resolver().url_patterns)
        if name.split(":")[0] != "admin"
    }
    unclassified = names - set(OWNED) - STAFF_ONLY - set(PUBLIC)
    assert not unclassified, f"decide who may reach these: {sorted(unclassified)}"
    assert not (set(OWNED) | STAFF_ONLY | set(PUBLIC)) - names  # no stale entries


def _url(name: str, args: Sequence[object]) -> str:
    if name.startswith("api-v1:"):
        path = {
            "api-v1:detail": "/api/v1/applications/{}",
            "api-v1:rate": "/api/v1/applications/{}/rating",
            "api-v1:mark_read": "/api/v1/notify/inbox/{}/read",
        }[name]
        return path.format(*args)
    return reverse(name, args=args)


def _markers(r: Resident) -> list[str]:
    """Strings that would show the resident's things on a page."""
    return [
        r.supplement.number,
        r.approved.number,
        r.certificate.number,
        r.certificate.verification_code,
        r.ticket.tracking_number or "",
        r.file.name,
        r.card.number,
        r.correction.proposed,
        r.account.real_name,
    ]


def test_bob_reaches_nothing_of_alices(client: Client, settings):
    town = world()
    alice, bob = town.alice, town.bob
    idf.signed_in(client, bob.account)
    leaks = []
    for name, args in OWNED.items():
        url = _url(name, args(alice))
        for method in ("get", "post"):
            # A redirect is allowed (to the kiosk's start, to sign in, to a page that is then
            # not found); where the requests end must show nothing of Alice's.
            if name == "api-v1:rate" and method == "post":  # a valid body, to reach the check
                response = client.post(url, {"level": 5}, content_type="application/json")
            else:
                response = getattr(client, method)(url, follow=True)
            raw = (
                b"".join(response.streaming_content)  # type: ignore[attr-defined]
                if response.streaming
                else response.content
            )
            body = raw.decode(errors="replace")
            # (A not-found page may echo the address asked for; that is not Alice's data.)
            shown = [m for m in _markers(alice) if m and m in body and m not in url]
            redirected = bool(getattr(response, "redirect_chain", []))
            allowed = (200, 403, 404, 405) if redirected else (403, 404, 405)
            if response.status_code not in allowed or shown:
                leaks.append(f"{method.upper()} {url} → {response.status_code} {shown}")
    assert not leaks, leaks
    # Nothing of Alice's changed through Bob's attempts.
    alice.file.refresh_from_db()
    alice.subscription.refresh_from_db()
    alice.message.refresh_from_db()
    assert alice.message.read_at is None
    alice.supplement.refresh_from_db()
    assert alice.supplement.status == "supplement"
    assert not alice.approved.ratings.exists()
    # Files are never served straight from storage, whatever their path.
    for stored in (alice.file.file, alice.certificate.pdf):
        assert client.get(f"{settings.MEDIA_URL}{stored.name}").status_code == 404
    # Bob's own page and lists carry none of Alice's things.
    for path in (
        "/me/",
        "/me/data/",
        "/applications/mine/",
        "/applications/documents/",
        "/hotline/mine/",
        "/cloud/",
        "/inbox/",
        "/information/subscriptions/",
        "/exchange/my-data-access/",
        "/api/v1/applications/",
        "/api/v1/notify/inbox",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.content.decode()
        assert not [m for m in _markers(alice) if m and m in body], path
    # Alice's own page does show them: the markers are real.
    idf.signed_in(client, alice.account)
    mine = client.get("/me/").content.decode()
    assert alice.supplement.number in mine and alice.card.number in mine


def test_staff_only_urls_refuse_a_resident(client: Client):
    bob = idf.citizen(home=idf.community("440105001"), name="李博文")
    idf.signed_in(client, bob)
    routes = dict(_patterns(get_resolver().url_patterns))
    for name in sorted(STAFF_ONLY):
        # Any identifier will do: the answer must not depend on whether it exists.
        args = [1 if piece.startswith("int:") else "x" for piece in routes[name].split("<")[1:]]
        url = _url(name, args) if not name.startswith("api-v1:") else _api_staff_url(name)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            status = response.status_code
            # 400: the API validated the (empty) body before anything was read.
            assert status in (302, 400, 401, 403, 404, 405), f"{method} {name} {url} {status}"
            if status == 302:
                assert "/accounts/signin/" in response["Location"], name


def _api_staff_url(name: str) -> str:
    return {
        "api-v1:resident": "/api/v1/identity/residents/1",
        "api-v1:person": "/api/v1/registry/persons/1",
        "api-v1:house": "/api/v1/registry/houses/1",
        "api-v1:decide": "/api/v1/applications/tasks/1/decision",
    }[name]
