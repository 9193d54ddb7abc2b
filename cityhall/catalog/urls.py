from django.urls import path

from cityhall.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.guide_index, name="index"),
    path("bundles/<str:code>/", views.guide_bundle, name="bundle"),
    path("<str:code>/", views.guide_item, name="item"),
]
