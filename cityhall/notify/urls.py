from django.urls import path

from cityhall.notify import views

app_name = "notify"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:message_id>/", views.message_detail, name="message"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
]
