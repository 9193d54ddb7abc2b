from django.contrib.admin.apps import AdminConfig


class CityHallAdminConfig(AdminConfig):
    """Django admin with the product's own site: administrators only, MFA-verified, scoped."""

    default_site = "cityhall.identity.admin_site.CityHallAdminSite"
