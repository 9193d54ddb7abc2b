"""Reads for public information and subscriptions."""

from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from cityhall.core.errors import NotFoundError
from cityhall.geo.models import Division, DivisionLevel
from cityhall.geo.selectors import CITY_CODE, scope_prefix
from cityhall.identity.models import Account
from cityhall.participation.models import (
    Publication,
    PublicationAttachment,
    PublicationRevision,
    Subscription,
)

SUBSCRIBABLE_LEVELS = (DivisionLevel.CITY, DivisionLevel.DISTRICT, DivisionLevel.STREET)


def publications_public(
    *, topic: str = "", area_code: str = "", text: str = ""
) -> QuerySet[Publication]:
    """Published information, newest first; an area shows its own items and those above it."""
    qs = Publication.objects.select_related("area", "publisher")
    if topic:
        qs = qs.filter(topic=topic)
    if area_code:
        area = Division.objects.filter(code=area_code).first()
        if area is None:
            return qs.none()
        qs = qs.filter(area__in=[area, *_above(area)])
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(body__icontains=text))
    return qs


def publication_get(*, publication_id: int) -> Publication:
    found = publications_public().filter(pk=publication_id).first()
    if found is None:
        raise NotFoundError(_("没有这条公开信息"))
    return found


def attachments_current(*, publication: Publication) -> QuerySet[PublicationAttachment]:
    return publication.attachments.filter(withdrawn_in__isnull=True)


def attachment_get(*, publication_id: int, attachment_id: int) -> PublicationAttachment:
    """A published item's file (a withdrawn one stays reachable: older versions cite it)."""
    found = PublicationAttachment.objects.filter(
        pk=attachment_id, publication_id=publication_id
    ).first()
    if found is None:
        raise NotFoundError(_("没有这个附件"))
    return found


def revisions_of(*, publication: Publication) -> QuerySet[PublicationRevision]:
    return publication.revisions.select_related("author__unit").order_by("-number")


@dataclass(frozen=True)
class RevisionView:
    revision: PublicationRevision
    previous: PublicationRevision | None
    # The body's changes against the previous version, as (op, text) runs: op is "=", "+", "-".
    changes: list[tuple[str, str]]
    attachments: list[PublicationAttachment]


def revision_get(*, publication: Publication, number: int) -> RevisionView:
    """One version of an item with what changed since the version before it."""
    rows = {r.number: r for r in publication.revisions.filter(number__in=[number, number - 1])}
    revision = rows.get(number)
    if revision is None:
        raise NotFoundError(_("没有这个版本"))
    previous = rows.get(number - 1)
    files = [
        a
        for a in publication.attachments.all()
        if a.added_in <= number and (a.withdrawn_in is None or a.withdrawn_in > number)
    ]
    return RevisionView(
        revision=revision,
        previous=previous,
        changes=text_changes(previous.body if previous else "", revision.body),
        attachments=files,
    )


CHARACTER_DIFF_LIMIT = 20_000


def text_changes(before: str, after: str) -> list[tuple[str, str]]:
    """What changed between two texts, as runs of kept ("="), removed ("-") and added ("+").

    By character, since Chinese has no spaces to split words on; long texts by line, which keeps
    the comparison fast on a 50,000-character regulation.
    """
    units: tuple[list[str], list[str]] | tuple[str, str]
    if max(len(before), len(after)) <= CHARACTER_DIFF_LIMIT:
        units = (before, after)
    else:
        units = (before.splitlines(keepends=True), after.splitlines(keepends=True))
    a, b = units
    runs: list[tuple[str, str]] = []
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("=", "".join(b[b1:b2])))
            continue
        if a2 > a1:
            runs.append(("-", "".join(a[a1:a2])))
        if b2 > b1:
            runs.append(("+", "".join(b[b1:b2])))
    return runs


def _above(area: Division) -> list[Division]:
    chain = []
    parent = area.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return chain


def subscriptions_of(*, account: Account) -> QuerySet[Subscription]:
    return Subscription.objects.filter(subscriber=account).select_related("area")


def subscription_of(*, account: Account, subscription_id: int) -> Subscription:
    found = subscriptions_of(account=account).filter(pk=subscription_id).first()
    if found is None:
        raise NotFoundError(_("没有这项订阅"))
    return found


def subscribers_of(*, publication: Publication, chunk: int = 1000) -> Iterator[Subscription]:
    """The subscriptions a publication reaches: its topic (or all topics), its area or below."""
    qs = (
        Subscription.objects.filter(
            Q(topic=publication.topic) | Q(topic=""),
            area__code__startswith=scope_prefix(publication.area),
        )
        .select_related("subscriber", "area")
        .filter(subscriber__is_active=True)
        .order_by("pk")
    )
    return qs.iterator(chunk_size=chunk)


@dataclass(frozen=True)
class AreaChoice:
    code: str
    label: str


def home_areas(*, account: Account) -> list[AreaChoice]:
    """The resident's street, district and the city, nearest first (for one-click choices)."""
    areas: list[AreaChoice] = []
    division = account.home_division
    while division is not None:
        if division.level in SUBSCRIBABLE_LEVELS:
            areas.append(AreaChoice(code=division.code, label=division.name))
        division = division.parent
    if not any(a.code == CITY_CODE for a in areas):
        city = Division.objects.filter(code=CITY_CODE).first()
        if city is not None:
            areas.append(AreaChoice(code=city.code, label=city.name))
    return areas


def subscribable_areas() -> QuerySet[Division]:
    """Every area one may subscribe to: the city, its districts and streets."""
    return Division.objects.filter(level__in=SUBSCRIBABLE_LEVELS).order_by("code")


def publishable_areas(*, actor: Account) -> QuerySet[Division]:
    """The areas a publisher may publish for: the area their unit serves and what lies under it."""
    if actor.unit is None:
        return Division.objects.none()
    return subscribable_areas().filter(code__startswith=scope_prefix(actor.unit.division))


def publications_of_unit(*, actor: Account) -> QuerySet[Publication]:
    return publications_public().filter(publisher=actor.unit)


def publication_of_unit(*, actor: Account, publication_id: int) -> Publication:
    """An item the actor's unit published (another unit's is not found)."""
    found = publications_of_unit(actor=actor).filter(pk=publication_id).first()
    if found is None:
        raise NotFoundError(_("没有这条公开信息"))
    return found
