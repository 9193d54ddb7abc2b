from django.urls import path

from cityhall.cloud import views

app_name = "cloud"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:file_id>/", views.download, name="download"),
    path("<int:file_id>/delete/", views.delete, name="delete"),
]
