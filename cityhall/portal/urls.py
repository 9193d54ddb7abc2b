from django.urls import path

from cityhall.portal import citizen, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("elder-mode/", views.elder_mode, name="elder_mode"),
    path("me/", citizen.my_page, name="my_page"),
    path("me/acting-for/", citizen.acting_for, name="acting_for"),
    path("me/card/lost/", citizen.card_lost, name="card_lost"),
    path("me/data/", citizen.my_data, name="my_data"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/area/", views.my_area, name="my_area"),
    path("workspace/audit/", views.audit_log, name="audit_log"),
]
