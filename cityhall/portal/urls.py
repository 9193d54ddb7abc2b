from django.urls import path

from cityhall.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("font-size/", views.font_size, name="font_size"),
    path("me/", views.my_page, name="my_page"),
    path("workspace/", views.workspace, name="workspace"),
    path("workspace/area/", views.my_area, name="my_area"),
    path("workspace/audit/", views.audit_log, name="audit_log"),
]
