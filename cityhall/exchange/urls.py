from django.urls import include, path

from cityhall.exchange.views import catalogue, citizen, gateway, steward

app_name = "exchange"

urlpatterns = [
    path("v1/token", gateway.token, name="token"),
    path("v1/jwks.json", gateway.jwks, name="jwks"),
    path("v1/resources", gateway.resources, name="gateway_resources"),
    path("v1/resources/<slug:code>/lookup", gateway.lookup, name="lookup"),
    path("v1/resources/<slug:code>/batch", gateway.batch, name="batch"),
    path("v1/log/checkpoint", gateway.checkpoint_latest, name="checkpoint"),
    # The catalogue, for all staff.
    path("", catalogue.catalogue, name="catalogue"),
    path("resources/<slug:code>/", catalogue.resource_detail, name="resource"),
    path("resources/<slug:code>/publish", catalogue.resource_publish_view, name="resource_publish"),
    path(
        "resources/<slug:code>/withdraw",
        catalogue.resource_withdraw_view,
        name="resource_withdraw",
    ),
    path("resources/<slug:code>/request", catalogue.grant_request_view, name="grant_request"),
    # The data steward's workspace.
    path("steward/", steward.incoming, name="steward"),
    path("steward/grants/<str:number>/decide", steward.grant_decide_view, name="grant_decide"),
    path("steward/grants/<str:number>/revoke", steward.grant_revoke_view, name="grant_revoke"),
    path("steward/requests/", steward.outgoing, name="steward_requests"),
    path("steward/clients/", steward.clients, name="steward_clients"),
    path(
        "steward/clients/<slug:client_id>/rotate",
        steward.client_rotate_view,
        name="client_rotate",
    ),
    path(
        "steward/clients/<slug:client_id>/status",
        steward.client_status_view,
        name="client_status",
    ),
    path("steward/log/", steward.access_log, name="steward_log"),
    path("steward/objections/", steward.objections, name="steward_objections"),
    path(
        "steward/objections/<str:number>/answer",
        steward.objection_answer_view,
        name="objection_answer",
    ),
    # The citizen's page of who read their data.
    path("my-data-access/", citizen.my_data_access, name="my_data_access"),
    path("my-data-access/objections", citizen.objection_file_view, name="objection_file"),
    # Cross-check findings (比对线索), built alongside.
    path("findings/", include("cityhall.exchange.findings_urls")),
]
