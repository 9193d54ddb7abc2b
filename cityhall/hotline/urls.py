from django.urls import include, path

from cityhall.hotline.views import citizen, inspector, public, staff

app_name = "hotline"
urlpatterns = [
    path("report/", citizen.report, name="report"),
    path("mine/", citizen.mine, name="mine"),
    path("track/", public.track_search, name="track_search"),
    path("track/<str:number>/", public.track, name="track"),
    path("s/<str:token>/", public.survey, name="survey"),
    path("sms/inbound/", public.sms_inbound, name="sms_inbound"),
    path("console/", staff.console, name="console"),
    path("console/suggest/", staff.console_suggest, name="console_suggest"),
    path("queue/", staff.queue, name="queue"),
    path("queue/bulk/", staff.queue_bulk, name="queue_bulk"),
    path("callbacks/", staff.callbacks, name="callbacks"),
    path("t/<str:number>/", staff.detail, name="staff_detail"),
    path("t/<str:number>/act/<str:action>/", staff.act, name="act"),
    path("photos/<int:photo_id>/", staff.photo, name="photo"),
    path("inspector/", inspector.tasks, name="inspector"),
    path("inspector/report/", inspector.patrol, name="patrol"),
    path("inspector/<str:number>/", inspector.task, name="inspector_task"),
    path("analysis/", include("cityhall.hotline.analysis_urls")),
]
