from django.urls import path

from cityhall.participation import hub

app_name = "participation_hub"
urlpatterns = [path("", hub.index, name="index")]
