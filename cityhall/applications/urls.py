from django.urls import path

from cityhall.applications.views import citizen, public, staff

app_name = "applications"
urlpatterns = [
    path("apply/<str:code>/", citizen.apply, name="apply_item"),
    path("apply/bundle/<str:bundle>/", citizen.apply, name="apply_bundle"),
    path("mine/", citizen.my_applications, name="mine"),
    path("documents/", citizen.documents, name="documents"),
    path("documents/<str:number>.pdf", citizen.document_pdf, name="document_pdf"),
    path("verify/", public.verify, name="verify"),
    path("inbox/", staff.inbox, name="inbox"),
    path("tasks/<int:task_id>/", staff.task, name="task"),
    path("materials/<int:material_id>/", staff.material, name="material"),
    path("window/", staff.window, name="window"),
    path("window/apply/<str:code>/", staff.window_apply, name="window_apply"),
    path("window/receipt/<str:number>/", staff.receipt, name="receipt"),
    path("supervision/", staff.supervision, name="supervision"),
    path("kpis/", staff.kpi_page, name="kpis"),
    path("rectifications/", staff.rectifications, name="rectifications"),
    path(
        "rectifications/<int:rectification_id>/visit/",
        staff.rectification_visit,
        name="rectification_visit",
    ),
    path("<str:number>/", citizen.detail, name="detail"),
    path("<str:number>/rate/", citizen.rate, name="rate"),
    path(
        "<str:number>/rectifications/<int:rectification_id>/follow-up/",
        citizen.follow_up,
        name="follow_up",
    ),
    path("<str:number>/supplement/", citizen.supplement, name="supplement"),
    path("<str:number>/withdraw/", citizen.withdraw, name="withdraw"),
]
