"""The hotline analysis page (决策支持): counts, a hotspot map, repeats and unit performance,
each table exportable as CSV or Excel (`?export=csv|xlsx&table=counts|hotspots|repeats|units`).
"""

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from cityhall.core.errors import DomainError
from cityhall.core.spreadsheets import csv_text
from cityhall.geo.models import Division, DivisionLevel
from cityhall.geo.svgmap import MapArea, MapShape, SvgMap, svg_map
from cityhall.hotline import analysis
from cityhall.hotline.analysis import Dimension, Hotspot
from cityhall.hotline.models import Category
from cityhall.identity.decorators import staff_required
from cityhall.identity.models import Account

DEFAULT_DAYS = 30
# More rows than anyone reads on a page; the export has them all.
PAGE_ROWS = 100
HOTSPOT_COUNT = 20
TABLES = ("counts", "hotspots", "repeats", "units")
# Light to dark: how many tickets a hot grid had, against the hottest one.
HEAT = ("#fde0c5", "#f9bf8f", "#f29463", "#dc5b3a", "#b02a1e")
HEAT_TEXT = ("#1f2937", "#1f2937", "#1f2937", "#ffffff", "#ffffff")
CONTEXT_FILL = "#eef1f4"


def _actor(request: HttpRequest) -> Account:
    return request.user  # type: ignore[return-value]


class AnalysisFilterForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("开始日期"))
    end = forms.DateField(label=gettext_lazy("结束日期"))
    category = forms.ChoiceField(label=gettext_lazy("分类"), required=False)
    # Checked against the actor's area by `analysis_scope` (outside it: 404), not against the
    # list offered, so a map's link to a community inside the area works too.
    division = forms.CharField(label=gettext_lazy("区域"), required=False, max_length=12)
    dimension = forms.ChoiceField(
        label=gettext_lazy("统计维度"), choices=Dimension.choices, required=False
    )

    def __init__(
        self,
        data: dict[str, str],
        *,
        categories: Iterable[Category],
        divisions: Iterable[Division],
        scope_name: str,
    ) -> None:
        super().__init__(data)
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("全部分类")),
            *((c.code, f"{c.code} {c.name}") for c in categories),
        ]
        self.division_choices = [
            ("", scope_name),
            *((d.code, _division_label(d)) for d in divisions),
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            try:
                analysis.period_check(start=start, end=end)
            except DomainError as error:
                raise forms.ValidationError(error.message) from error
        cleaned["dimension"] = cleaned.get("dimension") or Dimension.CATEGORY
        return cleaned


def _division_label(division: Division) -> str:
    parent = division.parent
    if parent is not None and division.level != DivisionLevel.DISTRICT:
        return f"{parent.name} · {division.name}"
    return division.name


def _filter_data(request: HttpRequest) -> dict[str, str]:
    today = timezone.localdate()
    data = {
        "start": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        "end": today.isoformat(),
        "category": "",
        "division": "",
        "dimension": Dimension.CATEGORY,
    }
    data.update({k: request.GET[k] for k in data if k in request.GET})
    return data


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    headers: Sequence[str]
    rows: list[list[Any]]


@dataclass(frozen=True, slots=True)
class Bubble:
    """A circle over a hot grid, so a grid too small to see at the map's scale still shows."""

    x: float
    y: float
    r: float
    fill: str
    text_fill: str
    rank: int
    title: str


@dataclass(frozen=True, slots=True)
class LegendClass:
    low: int
    high: int
    fill: str


@dataclass(frozen=True, slots=True)
class HotspotMap:
    svg: SvgMap
    bubbles: list[Bubble]
    legend: list[LegendClass]


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _counts_table(rows: list[analysis.CountRow], dimension: str) -> Table:
    return Table(
        title=_("工单量（按%(d)s）") % {"d": Dimension(dimension).label},
        headers=[_("编码"), _("名称"), _("所属"), _("工单数")],
        rows=[[r.key, r.label, r.parent, r.count] for r in rows],
    )


def _hotspots_table(rows: list[Hotspot]) -> Table:
    return Table(
        title=_("热点网格"),
        headers=[_("排名"), _("网格编码"), _("网格"), _("社区"), _("街道"), _("区"), _("工单数")],
        rows=[
            [
                h.rank,
                h.grid_code,
                h.grid_name,
                h.community_name,
                h.street_name,
                h.district_name,
                h.count,
            ]
            for h in rows
        ],
    )


def _repeat_basis(kind: str) -> str:
    return _("合并工单") if kind == "merged" else _("同网格同分类")


def _repeats_table(rows: list[analysis.RepeatLocation]) -> Table:
    return Table(
        title=_("重复诉求"),
        headers=[
            _("依据"),
            _("分类编码"),
            _("分类"),
            _("网格编码"),
            _("网格"),
            _("街道"),
            _("主工单"),
            _("次数"),
            _("首次受理"),
            _("最近受理"),
        ],
        rows=[
            [
                _repeat_basis(r.kind),
                r.category_code,
                r.category_name,
                r.grid_code,
                r.grid_name,
                r.street_name,
                r.master_number,
                r.count,
                _local(r.first_received),
                _local(r.last_received),
            ]
            for r in rows
        ],
    )


def _units_table(rows: list[analysis.UnitPerformance]) -> Table:
    return Table(
        title=_("承办单位绩效"),
        headers=[
            _("单位编码"),
            _("承办单位"),
            _("工单数"),
            _("已办结"),
            _("按时办结"),
            _("按时办结率（%）"),
            _("派单次数"),
            _("退单次数"),
            _("退单率（%）"),
            _("回访数"),
            _("满意及基本满意"),
            _("满意率（%）"),
            _("平均办理时长（小时）"),
        ],
        rows=[
            [
                u.unit_code,
                u.unit_name,
                u.total,
                u.resolved,
                u.on_time,
                _percent(u.on_time_rate),
                u.dispatched,
                u.returned,
                _percent(u.return_rate),
                u.rated,
                u.satisfied,
                _percent(u.satisfaction_rate),
                u.average_hours,
            ]
            for u in rows
        ],
    )


def _csv_response(table: Table, filename: str) -> HttpResponse:
    response = HttpResponse(
        csv_text(table.headers, table.rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def _xlsx_response(table: Table, filename: str) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.title[:31]  # Excel's limit on a sheet name
    sheet.append(list(table.headers))
    for row_number, row in enumerate(table.rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column, value=value)
            # openpyxl stores a string starting with "=" as a formula; text stays text.
            if isinstance(value, str):
                cell.data_type = "s"
    for column, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(10, len(header) * 2 + 2)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _heat_class(count: int, top: int) -> int:
    return min(len(HEAT) - 1, max(0, math.ceil(count * len(HEAT) / top) - 1))


def _legend(top: int) -> list[LegendClass]:
    classes = []
    for number, fill in enumerate(HEAT):
        low = top * number // len(HEAT) + 1
        high = top * (number + 1) // len(HEAT)
        if low <= high:
            classes.append(LegendClass(low=low, high=high, fill=fill))
    return classes


def _hotspot_map(
    *, prefix: str, spots: list[Hotspot], drill_down: dict[str, str]
) -> HotspotMap | None:
    """Hot grids coloured by count over the divisions one level below the scope, each of which
    links to the same analysis narrowed to it."""
    hot = [s for s in spots if s.boundary]
    if not hot:
        return None
    context = analysis.map_context_divisions(prefix)
    areas = [
        MapArea(
            title=d.name,
            geojson=d.boundary,
            href="?" + urlencode({**drill_down, "division": d.code}),
            label=d.name,
        )
        for d in context
        if d.boundary
    ]
    areas += [
        MapArea(
            title=_("%(rank)s. %(name)s（%(code)s）：%(n)s 件")
            % {"rank": s.rank, "name": s.grid_name, "code": s.grid_code, "n": s.count},
            geojson=s.boundary,  # type: ignore[arg-type]
        )
        for s in hot
    ]
    drawn = svg_map(areas)
    if drawn is None:
        return None
    top = max(s.count for s in hot)
    under = len(areas) - len(hot)
    shapes: list[MapShape] = [replace(shape, fill=CONTEXT_FILL) for shape in drawn.shapes[:under]]
    bubbles = []
    for shape, spot in zip(drawn.shapes[under:], hot, strict=True):
        heat = _heat_class(spot.count, top)
        shapes.append(replace(shape, fill=HEAT[heat]))
        bubbles.append(
            Bubble(
                x=shape.label_x,
                y=shape.label_y,
                r=round(7 + 7 * math.sqrt(spot.count / top), 1),
                fill=HEAT[heat],
                text_fill=HEAT_TEXT[heat],
                rank=spot.rank,
                title=shape.title,
            )
        )
    # The hottest on top where circles overlap.
    bubbles.sort(key=lambda b: -b.rank)
    return HotspotMap(
        svg=replace(drawn, shapes=tuple(shapes)), bubbles=bubbles, legend=_legend(top)
    )


def _export(*, table_name: str, fmt: str, filters: dict[str, Any], prefix: str) -> HttpResponseBase:
    start: date = filters["start"]
    end: date = filters["end"]
    category = filters["category"] or None
    table: Table
    if table_name == "counts":
        rows = analysis.counts_by(
            dimension=filters["dimension"],
            start=start,
            end=end,
            category_code=category,
            prefix=prefix,
        )
        table = _counts_table(rows, filters["dimension"])
    elif table_name == "hotspots":
        table = _hotspots_table(
            analysis.hotspots(
                start=start,
                end=end,
                category_code=category,
                prefix=prefix,
                limit=analysis.HOTSPOT_LIMIT_MAX,
            )
        )
    elif table_name == "repeats":
        table = _repeats_table(
            analysis.repeat_locations(
                start=start, end=end, prefix=prefix, limit=analysis.REPEAT_LIMIT_MAX
            )
        )
    else:
        table = _units_table(analysis.unit_performance(start=start, end=end, prefix=prefix))
    filename = f"hotline-{table_name}-{prefix}-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "xlsx":
        return _xlsx_response(table, filename)
    return _csv_response(table, filename)


@staff_required
def analysis_page(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    area = analysis.analysis_scope(actor)
    area_division = analysis.scope_division(area)
    form = AnalysisFilterForm(
        _filter_data(request),
        categories=Category.objects.order_by("code"),
        divisions=analysis.analysis_divisions(area),
        scope_name=_("全部（%(name)s）") % {"name": area_division.name if area_division else area},
    )
    fmt, table_name = request.GET.get("export", ""), request.GET.get("table", "")
    exporting = bool(fmt or table_name)
    if exporting and (fmt not in ("csv", "xlsx") or table_name not in TABLES):
        return HttpResponseBadRequest(_("导出格式或表格不正确"))
    if not form.is_valid():
        if exporting:
            return HttpResponseBadRequest(" ".join(str(e) for e in form.non_field_errors()))
        return render(request, "hotline/analysis.html", {"form": form})
    filters = form.cleaned_data
    prefix = analysis.analysis_scope(actor, division=filters["division"])
    if exporting:
        return _export(table_name=table_name, fmt=fmt, filters=filters, prefix=prefix)
    start, end, category = filters["start"], filters["end"], filters["category"] or None
    query = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "category": filters["category"],
        "division": filters["division"],
        "dimension": filters["dimension"],
    }
    counts = analysis.counts_by(
        dimension=filters["dimension"],
        start=start,
        end=end,
        category_code=category,
        prefix=prefix,
    )
    spots = analysis.hotspots(
        start=start, end=end, category_code=category, prefix=prefix, limit=HOTSPOT_COUNT
    )
    scope = analysis.scope_division(prefix)
    if scope is not None and filters["division"] not in dict(form.division_choices):
        form.division_choices.append((filters["division"], _division_label(scope)))
    context = {
        "form": form,
        "scope": scope,
        "dimension_label": Dimension(filters["dimension"]).label,
        "is_day": filters["dimension"] == Dimension.DAY,
        "counts": counts if filters["dimension"] == Dimension.DAY else counts[:PAGE_ROWS],
        "counts_cut": filters["dimension"] != Dimension.DAY and len(counts) > PAGE_ROWS,
        "counts_total": sum(r.count for r in counts),
        "counts_top": max((r.count for r in counts), default=0),
        "hotspots": spots,
        "hotspot_map": _hotspot_map(prefix=prefix, spots=spots, drill_down=query),
        "repeats": analysis.repeat_locations(start=start, end=end, prefix=prefix),
        "units": analysis.unit_performance(start=start, end=end, prefix=prefix),
        "query": urlencode(query),
        "api_query": urlencode({k: v for k, v in query.items() if v and k != "dimension"}),
        "page_rows": PAGE_ROWS,
    }
    return render(request, "hotline/analysis.html", context)
