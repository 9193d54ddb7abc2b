"""Routes of open data. `config/urls.py` mounts `actions` twice, at /api/3/action/ (namespace
"ckan") and at /api/action/ (the address `ckanapi` calls), and `opendata` at /opendata/."""

from django.urls import path

from cityhall.exchange import ckan_views

actions = ([path("<str:name>", ckan_views.action, name="action")], "ckan")

opendata = (
    [
        path("", ckan_views.opendata_index, name="index"),
        path(
            "dataset/<slug:name>/resource/<uuid:resource_id>/download/<str:filename>",
            ckan_views.opendata_download,
            name="download",
        ),
    ],
    "opendata",
)
