from django.urls import path

from cityhall.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("corrections/", views.corrections, name="corrections"),
    path("corrections/<int:correction_id>/", views.correction, name="correction"),
    path("persons/<int:person_id>/", views.person_page, name="person"),
    path("houses/<int:house_id>/", views.house_page, name="house"),
    path("houses/<int:house_id>/<str:action>/", views.house_action, name="house_action"),
]
