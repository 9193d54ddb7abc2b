from django.urls import path

from cityhall.geo import views

app_name = "geo"
urlpatterns = [
    path("", views.division_index, name="division_index"),
    path("d/<str:code>/", views.division_detail, name="division_detail"),
    path("locate/", views.locate_page, name="locate"),
]
