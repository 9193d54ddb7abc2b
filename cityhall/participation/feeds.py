"""RSS 2.0 and Atom feeds of public information, per topic and area (?topic=…&area=…)."""

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.translation import gettext as _

from cityhall.geo.models import Division
from cityhall.participation import selectors
from cityhall.participation.models import Publication, Topic
from cityhall.participation.services import ATTACHMENTS_MAX

FEED_ITEMS = 50


class PublicationFeed(Feed):
    """The newest items for a topic (or all) and an area (with the areas above it), as RSS."""

    def _filters(self, request: HttpRequest) -> dict[str, str]:
        topic = request.GET.get("topic", "")
        area = request.GET.get("area", "")[:12]
        return {
            "topic": topic if topic in Topic.values else "",
            "area": area if Division.objects.filter(code=area).exists() else "",
        }

    def title(self, obj: dict[str, str]) -> str:
        parts = [_("政府信息公开")]
        if obj["area"]:
            parts.append(Division.objects.get(code=obj["area"]).name)
        if obj["topic"]:
            parts.append(str(Topic(obj["topic"]).label))
        return " · ".join(parts)

    def link(self, obj: dict[str, str]) -> str:
        query = "&".join(f"{k}={v}" for k, v in obj.items() if v)
        return reverse("participation:index") + (f"?{query}" if query else "")

    def description(self, obj: dict[str, str]) -> str:
        return _("政策文件、通知公告、服务变更和统计信息。")

    # RSS 2.0 allows one enclosure per item: the first file; Atom lists them all.
    enclosures_per_item = 1

    def get_object(self, request: HttpRequest) -> dict[str, str]:
        self._origin = request.build_absolute_uri("/").rstrip("/")
        return self._filters(request)

    def items(self, obj: dict[str, str]) -> list[Publication]:
        return list(
            selectors.publications_public(
                topic=obj["topic"], area_code=obj["area"]
            ).prefetch_related("attachments")[:FEED_ITEMS]
        )

    def item_enclosures(self, item: Publication) -> list[Enclosure]:
        files = [a for a in item.attachments.all() if a.withdrawn_in is None]
        return [
            Enclosure(
                url=self._origin + reverse("participation:attachment", args=[item.pk, a.pk]),
                length=str(a.size),
                mime_type=a.content_type,
            )
            for a in files[: self.enclosures_per_item]
        ]

    def item_updateddate(self, item: Publication):
        return item.revised_at or item.published_at

    def item_title(self, item: Publication) -> str:
        return item.title

    def item_description(self, item: Publication) -> str:
        return item.summary or item.body[:300]

    def item_link(self, item: Publication) -> str:
        return reverse("participation:detail", args=[item.pk])

    def item_pubdate(self, item: Publication):
        return item.published_at

    def item_author_name(self, item: Publication) -> str:
        return item.publisher.name

    def item_categories(self, item: Publication) -> list[str]:
        return [str(item.get_topic_display()), item.area.name]


class PublicationAtomFeed(PublicationFeed):
    feed_type = Atom1Feed
    enclosures_per_item = ATTACHMENTS_MAX

    def subtitle(self, obj: dict[str, str]) -> str:
        return self.description(obj)
