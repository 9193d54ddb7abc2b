from django.urls import path

from cityhall.identity import views

app_name = "identity"
urlpatterns = [
    path("signin/", views.signin, name="signin"),
    path("signin/mfa/", views.mfa, name="mfa"),
    path("signout/", views.signout, name="signout"),
    path("staff/residents/", views.citizen_list, name="citizen_list"),
    path("staff/residents/<int:account_id>/", views.citizen_detail, name="citizen_detail"),
    path("staff/residents/<int:account_id>/card/", views.citizen_card, name="citizen_card"),
    path("staff/directory/", views.directory, name="directory"),
]
