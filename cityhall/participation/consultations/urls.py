from django.urls import path

from cityhall.participation.consultations import views

app_name = "consultations"
urlpatterns = [
    path("", views.index, name="index"),
    path("policy/", views.policy, name="policy"),
    path("<int:consultation_id>/", views.detail, name="detail"),
    path("<int:consultation_id>/comment/", views.comment, name="comment"),
    path(
        "<int:consultation_id>/comments/<int:comment_id>/support/",
        views.support,
        name="support",
    ),
    path("<int:consultation_id>/report/", views.report, name="report"),
    path("manage/", views.manage_index, name="manage_index"),
    path("manage/new/", views.manage_new, name="manage_new"),
    path("manage/<int:consultation_id>/", views.manage_detail, name="manage_detail"),
    path(
        "manage/<int:consultation_id>/comments/<int:comment_id>/hide/",
        views.manage_hide,
        name="manage_hide",
    ),
    path(
        "manage/<int:consultation_id>/comments/<int:comment_id>/restore/",
        views.manage_restore,
        name="manage_restore",
    ),
    path(
        "manage/<int:consultation_id>/comments/<int:comment_id>/answer/",
        views.manage_answer,
        name="manage_answer",
    ),
    path("manage/<int:consultation_id>/report/", views.manage_report, name="manage_report"),
]
