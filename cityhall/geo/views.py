"""HTML pages of the geo domain: districts, a division with its map, and a locate form."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError, NotFoundError
from cityhall.geo.forms import LocateForm
from cityhall.geo.models import Division, DivisionLevel, Grid
from cityhall.geo.selectors import (
    CITY_CODE,
    LocateResult,
    district_list,
    division_ancestors,
    division_children_counted,
    division_get,
    grids_of,
    locate,
)
from cityhall.geo.svgmap import MapArea, SvgMap, svg_map

# A community has a handful of grids; the cap only guards the page against a runaway import.
GRID_LIST_LIMIT = 500


def _division_or_404(code: str) -> Division:
    try:
        return division_get(code)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def _division_areas(divisions: list[Division]) -> list[MapArea]:
    return [
        MapArea(
            title=f"{d.name}（{d.code}）",
            geojson=d.boundary,
            href=reverse("geo:division_detail", args=[d.code]),
            label=d.name,
        )
        for d in divisions
        if d.boundary
    ]


def _grid_areas(grids: list[Grid], *, highlight: str | None = None) -> list[MapArea]:
    return [
        MapArea(
            title=f"{g.name}（{g.code}）",
            geojson=g.boundary,
            label=g.code[-3:],
            highlight=g.code == highlight,
        )
        for g in grids
    ]


def division_index(request: HttpRequest) -> HttpResponse:
    city = _division_or_404(CITY_CODE)
    districts = list(district_list(city_code=CITY_CODE))
    totals = {
        "subdistricts": sum(d.subdistrict_count for d in districts),
        "towns": sum(d.town_count for d in districts),
        "streets": sum(d.child_count for d in districts),
    }
    context = {
        "city": city,
        "districts": districts,
        "totals": totals,
        "map": svg_map(_division_areas([d.division for d in districts])),
    }
    return render(request, "geo/division_index.html", context)


def division_detail(request: HttpRequest, code: str) -> HttpResponse:
    division = _division_or_404(code)
    children = division_children_counted(division)
    grids: list[Grid] = []
    grid_total = grids_of(division).count()
    if division.level == DivisionLevel.COMMUNITY:
        grids = list(grids_of(division)[:GRID_LIST_LIMIT])
    areas = _division_areas([c.division for c in children]) if children else _grid_areas(grids)
    context = {
        "division": division,
        "ancestors": division_ancestors(division),
        "children": children,
        "grids": grids,
        "grid_total": grid_total,
        "map": svg_map(areas),
    }
    return render(request, "geo/division_detail.html", context)


def locate_page(request: HttpRequest) -> HttpResponse:
    form = LocateForm(request.GET or None)
    result: LocateResult | None = None
    map_: SvgMap | None = None
    if form.is_bound and form.is_valid():
        lat, lng = form.cleaned_data["lat"], form.cleaned_data["lng"]
        try:
            result = locate(lat=lat, lng=lng)
        except DomainError as exc:
            form.add_error(None, exc.message)
        if result is not None and result.inside and result.community_code:
            community = division_get(result.community_code)
            map_ = svg_map(
                _grid_areas(
                    list(grids_of(community)[:GRID_LIST_LIMIT]), highlight=result.grid_code
                ),
                marker=(lat, lng, _("查询位置")),
            )
    return render(request, "geo/locate.html", {"form": form, "result": result, "map": map_})
