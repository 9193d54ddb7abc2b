from django.urls import path

from cityhall.participation.boards import views

app_name = "boards"
urlpatterns = [
    path("", views.index, name="index"),
    path("manage/", views.manage, name="manage"),
    path("posts/<int:post_id>/", views.post, name="post"),
    path("posts/<int:post_id>/reply/", views.reply, name="reply"),
    path("posts/<int:post_id>/hide/", views.hide, name="hide"),
    path("posts/<int:post_id>/restore/", views.restore, name="restore"),
    path("posts/<int:post_id>/convert/", views.convert, name="convert"),
    path("<str:code>/", views.board, name="board"),
]
