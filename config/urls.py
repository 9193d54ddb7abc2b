from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from cityhall.exchange import ckan_urls
from config.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Admins sign in through the product's own sign-in (password + TOTP, lockout, audit).
    path("admin/login/", RedirectView.as_view(pattern_name="identity:signin", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("cityhall.identity.urls")),
    path("geo/", include("cityhall.geo.urls")),
    path("inbox/", include("cityhall.notify.urls")),
    path("registry/", include("cityhall.registry.urls")),
    path("services/", include("cityhall.catalog.urls")),
    path("applications/", include("cityhall.applications.urls")),
    path("hotline/", include("cityhall.hotline.urls")),
    path("open311/v2/", include("cityhall.hotline.open311_urls")),
    path("api/3/action/", include(ckan_urls.actions, namespace="ckan")),
    # The unversioned address is the one the ckanapi client calls.
    path("api/action/", include(ckan_urls.actions, namespace="ckan-unversioned")),
    path("opendata/", include(ckan_urls.opendata)),
    path("exchange/", include("cityhall.exchange.urls")),
    path("kiosk/", include("cityhall.portal.kiosk_urls")),
    path("information/", include("cityhall.participation.urls")),
    path("participation/", include("cityhall.participation.hub_urls")),
    path("consultations/", include("cityhall.participation.consultations.urls")),
    path("mailbox/", include("cityhall.participation.mailbox.urls")),
    path("surveys/", include("cityhall.participation.surveys.urls")),
    path("boards/", include("cityhall.participation.boards.urls")),
    path("cloud/", include("cityhall.cloud.urls")),
    path("", include("cityhall.portal.urls")),
]
# Uploaded and issued files (materials, certificates, photos, the citizen cloud) are never
# served from MEDIA_URL, not even in development: each one is reached only through a view that
# checks who is asking.
