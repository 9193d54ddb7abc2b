from django.urls import path

from cityhall.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("persons/<int:person_id>/", views.person_page, name="person"),
    path("houses/<int:house_id>/", views.house_page, name="house"),
    path("houses/<int:house_id>/<str:action>/", views.house_action, name="house_action"),
]
