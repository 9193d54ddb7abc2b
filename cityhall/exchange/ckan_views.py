"""HTTP of open data: the CKAN Action API (`/api/3/action/<name>` and `/api/action/<name>`, the
address `ckanapi` uses), the public list of open datasets (`/opendata/`) and their downloads
(`/opendata/dataset/<name>/resource/<id>/download/<file>`, CKAN's address for a file).

The Action API reads parameters as CKAN 2.10's ckan/views/api.py does: a GET's query string; a
POST's form fields (a single field whose name is JSON and value empty is that JSON, as `curl -d`
sends it), else its query string for read actions, else its body as JSON. Nothing here depends
on who calls: there are no sessions or keys, so POST needs no CSRF token, and every answer may be
read from any origin.
"""

import io
import json
import uuid
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from cityhall.exchange import ckan, opendata
from cityhall.exchange.vocab import UpdateFrequency
from cityhall.registry.selectors import SMALL_CELL_MIN

CONTENT_TYPE = "application/json;charset=utf-8"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization, X-CKAN-API-Key",
    "Access-Control-Max-Age": "86400",
}


def _site_url() -> str:
    return settings.CITYHALL_PUBLIC_URL


def _json(body: object, status: int) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _bad_request(detail: str) -> HttpResponse:
    # CKAN answers these before it has an envelope: the body is one JSON string.
    return _json(f"Bad request - {detail}", 400)


def _mixed(params: QueryDict) -> dict[str, Any]:
    """One value per name, or a list when the name is repeated (CKAN's `mixed`)."""
    return {k: v[0] if len(v) == 1 else v for k, v in params.lists()}


def _request_data(request: HttpRequest, *, side_effect_free: bool) -> dict[str, Any]:
    if request.method in ("GET", "HEAD") and not side_effect_free:
        raise ValueError("Invalid request. Please use POST method for your request")
    data: object = {}
    if request.method == "POST" and request.POST:
        form = request.POST
        values = [v for _k, v in form.items()]
        if len(values) == 1 and values[0] in ("1", ""):
            try:
                data = json.loads(next(iter(form.keys())))
            except ValueError as exc:
                raise ValueError(
                    f"Error decoding JSON data. Error: {exc!r} "
                    "JSON data extracted from the request: {}"
                ) from exc
        else:
            data = _mixed(form)
    elif request.GET and side_effect_free:
        data = _mixed(request.GET)
    elif (
        request.method == "POST"
        and request.content_type != "multipart/form-data"
        and request.body.strip()
    ):
        try:
            data = json.loads(request.body)
        except ValueError as exc:
            raise ValueError(
                f"Error decoding JSON data. Error: {exc!r} "
                "JSON data extracted from the request: {}"
            ) from exc
    if not isinstance(data, dict):
        raise ValueError(f"Request data JSON decoded to {data!r} but it needs to be a dictionary.")
    return data


@csrf_exempt  # no session or key is ever consulted: a forged request can do nothing here
@require_http_methods(["GET", "HEAD", "POST", "OPTIONS"])
def action(request: HttpRequest, name: str) -> HttpResponse:
    if request.method == "OPTIONS":
        preflight = HttpResponse(status=200)
        for header, value in CORS_HEADERS.items():
            preflight[header] = value
        return preflight
    if name not in ckan.ACTIONS and name not in ckan.WRITE_ACTIONS:
        return _bad_request(f"Action name not known: {name}")
    site = _site_url()
    envelope: dict[str, Any] = {
        "help": f"{site}{reverse('ckan:action', args=['help_show'])}?name={name}"
    }
    try:
        data = _request_data(request, side_effect_free=name in ckan.ACTIONS)
    except ValueError as exc:
        return _bad_request(f"JSON Error: {exc}")
    data.pop("callback", None)  # JSONP is not offered; CORS serves browsers instead
    try:
        result = ckan.action_run(name, data, site_url=site)
    except ckan.ActionError as exc:
        return _json({**envelope, "success": False, "error": exc.error()}, exc.status)
    return _json({**envelope, "success": True, "result": result}, 200)


@require_safe
def opendata_index(request: HttpRequest) -> HttpResponse:
    """The open datasets, their fields and their files (简体中文 first)."""
    catalogue = ckan.Catalogue.load(_site_url(), with_fields=True)
    frequencies = dict(UpdateFrequency.choices)
    datasets = []
    for d in catalogue.datasets:
        downloads = [
            {
                "label": fmt.label,
                "url": catalogue.download_path(d, fmt),
                "file": catalogue.generated(d, fmt),
            }
            for fmt in d.formats
        ]
        datasets.append(
            {
                "resource": d.resource,
                "name": d.name,
                "owner": d.resource.owner.name,
                "frequency": frequencies.get(d.resource.update_frequency, ""),
                "theme": ckan.theme_title(d.resource.theme) if d.resource.theme else "",
                "fields": list(d.resource.fields.all()),
                "downloads": downloads,
            }
        )
    return render(
        request,
        "exchange/opendata.html",
        {
            "datasets": datasets,
            "small_cell_min": SMALL_CELL_MIN,
            "api_url": reverse("ckan:action", args=["package_search"]),
        },
    )


@require_safe
def opendata_download(
    request: HttpRequest, name: str, resource_id: uuid.UUID, filename: str
) -> FileResponse:
    """One file of an open dataset, generated from the registry (or the cache)."""
    catalogue = ckan.Catalogue.load(_site_url())
    try:
        dataset = catalogue.dataset(name)
    except ckan.NotFound as exc:
        raise Http404 from exc
    fmt = next((f for f in dataset.formats if dataset.resource_id(f) == str(resource_id)), None)
    if fmt is None or dataset.view is None or not filename.endswith(f".{fmt.code}"):
        raise Http404
    generated = opendata.open_file(dataset.view, fmt)
    response = FileResponse(
        io.BytesIO(generated.body),
        as_attachment=True,
        filename=dataset.filename(fmt),
        content_type=fmt.content_type,
    )
    response["Last-Modified"] = http_date(generated.generated_at.timestamp())
    response["Cache-Control"] = f"public, max-age={opendata.CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"
    return response
