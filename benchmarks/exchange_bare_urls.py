"""The product's URLs plus the exchange benchmark's bare view: the floor a gateway lookup is
compared with — the same key, the same blind index, one indexed SELECT, a JSON answer; no token,
grant, field filter or access log."""

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cityhall.identity.selectors import id_number_index
from cityhall.registry.models import Person
from config.urls import urlpatterns as product_urlpatterns

BARE_PATH = "bench/exchange/bare-lookup"
_SELECT = (
    f"SELECT name, birth_date, status FROM {Person._meta.db_table} "  # noqa: S608 - constant
    "WHERE document_index = %s"
)


@csrf_exempt
@require_POST
def bare_lookup(request: HttpRequest) -> JsonResponse:
    """`{"key": ID number}` → the person's name, birth date and status, or 404."""
    key = str(json.loads(request.body)["key"]).strip().upper()
    with connection.cursor() as cursor:
        cursor.execute(_SELECT, [id_number_index(key)])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"found": False}, status=404)
    return JsonResponse(
        {"name": row[0], "birth_date": row[1].isoformat(), "status": row[2]},
        json_dumps_params={"ensure_ascii": False},
    )


urlpatterns = [path(BARE_PATH, bare_lookup), *product_urlpatterns]
