"""The JSON API base (/api/v1/): one NinjaAPI, one router per domain."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import django_auth

from cityhall.applications.api import router as applications_router
from cityhall.catalog.api import router as catalog_router
from cityhall.core.errors import DomainError
from cityhall.geo.api import router as geo_router
from cityhall.hotline.analysis_api import router as hotline_analysis_router
from cityhall.hotline.api import router as hotline_router
from cityhall.identity.api import router as identity_router
from cityhall.notify.api import router as notify_router
from cityhall.registry.api import router as registry_router

api = NinjaAPI(
    title="CityHall API",
    version="1",
    description="广州市民政务服务平台 JSON API. Errors are JSON objects {code, message}.",
    urls_namespace="api-v1",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(
        request, {"code": exc.code, "message": exc.message}, status=exc.status
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthenticated", "message": _("请先登录")}, status=401
    )


api.add_router("/geo/", geo_router, tags=["geo"])
api.add_router("/identity/", identity_router, tags=["identity"], auth=django_auth)
api.add_router("/notify/", notify_router, tags=["notify"], auth=django_auth)
api.add_router("/registry/", registry_router, tags=["registry"], auth=django_auth)
api.add_router("/catalog/", catalog_router, tags=["catalog"])
api.add_router("/applications/", applications_router, tags=["applications"], auth=django_auth)
api.add_router("/hotline/analysis/", hotline_analysis_router, tags=["hotline"], auth=django_auth)
# Classification is open to every channel and outside system (no personal data in or out).
api.add_router("/hotline/", hotline_router, tags=["hotline"])
