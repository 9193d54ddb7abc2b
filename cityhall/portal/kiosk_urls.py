from django.urls import path

from cityhall.portal import kiosk

app_name = "kiosk"
urlpatterns = [
    path("", kiosk.home, name="home"),
    path("menu/", kiosk.menu, name="menu"),
    path("certificates/", kiosk.certificates, name="certificates"),
    path("certificates/<str:number>/", kiosk.certificate, name="certificate"),
    path("certificates/<str:number>/pdf/", kiosk.certificate_view, name="certificate_view"),
    path("certificates/<str:number>.pdf", kiosk.certificate_pdf, name="certificate_pdf"),
    path("applications/", kiosk.application_list, name="applications"),
    path("applications/<str:number>/", kiosk.application_detail, name="application"),
    path("tickets/", kiosk.ticket_list, name="tickets"),
    path("services/", kiosk.services, name="services"),
    path("services/<str:code>/", kiosk.service_apply, name="service_apply"),
    path("alive/", kiosk.alive, name="alive"),
    path("signout/", kiosk.signout, name="signout"),
]
