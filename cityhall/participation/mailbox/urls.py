from django.urls import path

from cityhall.participation.mailbox import views

app_name = "mailbox"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:mailbox_id>/", views.mailbox, name="mailbox"),
    path("<int:mailbox_id>/write/", views.write, name="write"),
    path("track/", views.track, name="track"),
    path("mine/", views.mine, name="mine"),
    path("letters/<int:letter_id>/", views.letter, name="letter"),
    path("staff/", views.staff_inbox, name="staff_inbox"),
    path("staff/letters/<int:letter_id>/", views.staff_letter, name="staff_letter"),
]
