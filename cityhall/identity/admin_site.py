from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityhall.identity.middleware import session_verified
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can


class CityHallAdminSite(AdminSite):
    site_header = _("广州市民政务服务平台 · 管理后台")
    site_title = _("管理后台")
    index_title = _("系统管理")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and session_verified(user)
            and account_can(user, Capability.ADMINISTER)
        )
