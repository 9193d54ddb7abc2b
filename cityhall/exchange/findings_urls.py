"""Staff pages of cross-check findings, included under /exchange/findings/ (namespace exchange)."""

from django.urls import path

from cityhall.exchange.views import findings

urlpatterns = [
    path("", findings.findings, name="findings"),
    path("<str:number>/", findings.finding_detail, name="finding_detail"),
    path("<str:number>/resolve", findings.finding_resolve_view, name="finding_resolve"),
]
