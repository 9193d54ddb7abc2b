"""Hotline analysis pages, included at /hotline/analysis/ inside the "hotline" namespace."""

from django.urls import URLPattern, path

from cityhall.hotline.views import analysis

urlpatterns: list[URLPattern] = [
    path("", analysis.analysis_page, name="analysis"),
]
