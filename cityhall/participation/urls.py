from django.urls import path

from cityhall.participation import views
from cityhall.participation.feeds import PublicationAtomFeed, PublicationFeed

app_name = "participation"
urlpatterns = [
    path("", views.index, name="index"),
    path("feed.rss", PublicationFeed(), name="feed_rss"),
    path("feed.atom", PublicationAtomFeed(), name="feed_atom"),
    path("<int:publication_id>/", views.detail, name="detail"),
    path("<int:publication_id>/versions/<int:number>/", views.revision, name="revision"),
    path(
        "<int:publication_id>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path("<int:publication_id>/revise/", views.revise, name="revise"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path(
        "subscriptions/<int:subscription_id>/delete/",
        views.subscription_delete,
        name="subscription_delete",
    ),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("publish/", views.publish, name="publish"),
]
