"""The public service guide (办事指南): search the items and bundles, read an item's guide."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityhall.catalog import selectors
from cityhall.catalog.models import Venue


def guide_index(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:60]
    area = request.GET.get("area", "")
    venue = request.GET.get("venue", "")
    if venue not in Venue.values:
        venue = ""
    rows = selectors.item_search(text=text, area=area, venue=venue)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/index.html",
        {
            "page": page,
            "q": text,
            "area": area,
            "venue": venue,
            "areas": selectors.item_areas(),
            "venues": Venue.choices,
            "bundles": selectors.bundles_active() if not (text or area or venue) else [],
        },
    )


def guide_item(request: HttpRequest, code: str) -> HttpResponse:
    version = selectors.item_version_current(code=code)
    return render(
        request,
        "catalog/item.html",
        {
            "version": version,
            "materials": version.materials.all(),
            "reviewers": version.review_departments.all(),
            "venues": [Venue(v).label for v in version.venues if v in Venue.values],
            "online": Venue.ONLINE in version.venues,
        },
    )


def guide_bundle(request: HttpRequest, code: str) -> HttpResponse:
    bundle = selectors.bundle_get(code=code)
    versions = selectors.bundle_versions(bundle=bundle)
    return render(request, "catalog/bundle.html", {"bundle": bundle, "versions": versions})
