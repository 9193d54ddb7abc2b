"""Open311 GeoReport v2 routes; the extension picks the format (see cityhall/hotline/open311.py)."""

from django.urls import re_path

from cityhall.hotline import open311 as views

app_name = "open311"
FORMAT = r"\.(?P<fmt>[A-Za-z0-9]+)$"
urlpatterns = [
    re_path(r"^discovery" + FORMAT, views.discovery, name="discovery"),
    re_path(r"^services" + FORMAT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+)" + FORMAT, views.service_definition, name="service"),
    re_path(r"^requests" + FORMAT, views.request_list, name="requests"),
    re_path(r"^requests/(?P<number>[^/]+)" + FORMAT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+)" + FORMAT, views.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FORMAT, views.updates, name="updates"),
]
