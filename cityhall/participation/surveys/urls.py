from django.urls import path

from cityhall.participation.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:survey_id>/", views.detail, name="detail"),
    path("<int:survey_id>/results/", views.results, name="results"),
    path("<int:survey_id>/results.csv", views.results_csv, name="results_csv"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/new/", views.survey_new, name="new"),
    path("manage/<int:survey_id>/", views.manage, name="manage"),
    path("manage/<int:survey_id>/edit/", views.survey_edit, name="edit"),
    path("manage/<int:survey_id>/questions/", views.question_add, name="question_add"),
    path(
        "manage/<int:survey_id>/questions/<int:question_id>/",
        views.question_edit,
        name="question_edit",
    ),
    path(
        "manage/<int:survey_id>/questions/<int:question_id>/delete/",
        views.question_delete,
        name="question_delete",
    ),
    path(
        "manage/<int:survey_id>/questions/<int:question_id>/move/",
        views.question_move,
        name="question_move",
    ),
    path("manage/<int:survey_id>/open/", views.survey_open, name="open"),
    path("manage/<int:survey_id>/close/", views.survey_close, name="close"),
]
