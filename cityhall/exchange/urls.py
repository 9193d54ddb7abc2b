from django.urls import path

from cityhall.exchange.views import gateway

app_name = "exchange"

urlpatterns = [
    path("v1/token", gateway.token, name="token"),
    path("v1/jwks.json", gateway.jwks, name="jwks"),
    path("v1/resources", gateway.resources, name="gateway_resources"),
    path("v1/resources/<slug:code>/lookup", gateway.lookup, name="lookup"),
    path("v1/resources/<slug:code>/batch", gateway.batch, name="batch"),
    path("v1/log/checkpoint", gateway.checkpoint_latest, name="checkpoint"),
]
