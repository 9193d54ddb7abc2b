from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from cityhall.identity.models import Account, AccountKind, UnitLevel
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can, account_find_by_identifier

# Reference data the whole city shares: district administrators may look, only the city edits.
CITY_EDITS_ONLY = frozenset(
    {
        "core.calendarday",
        "core.holidayschedule",
        "geo.division",
        "geo.grid",
        # The service catalogue is one for the whole city (一台).
        "catalog.department",
        "catalog.serviceitem",
        "catalog.itemversion",
        "catalog.material",
        "catalog.bundle",
        "catalog.bundleitem",
        # 12345: one taxonomy and one set of outside API clients for the city.
        "hotline.category",
        "hotline.open311client",
        "hotline.classifiermodel",
        # 一网: one catalogue of data resources for the city.
        "exchange.dataresource",
        "exchange.resourcefield",
    }
)
# The whole audit chain spans every district; below city level it is read through the scoped
# workspace page instead.
CITY_SEES_ONLY = frozenset({"core.auditentry", "core.auditchainhead"})


def _is_administrator(user: Any) -> bool:
    return bool(
        user.is_active
        and getattr(user, "kind", None) == AccountKind.STAFF
        and account_can(user, Capability.ADMINISTER)
    )


def _admin_may(user: Any, perm: str) -> bool:
    app_label, _dot, codename = perm.partition(".")
    action, _underscore, model = codename.partition("_")
    label = f"{app_label}.{model}"
    if user.unit is not None and user.unit.level == UnitLevel.CITY:
        return True
    if label in CITY_SEES_ONLY:
        return False
    return not (label in CITY_EDITS_ONLY and action != "view")


class AccountBackend(ModelBackend):
    """Authenticates by login name or, for citizens, by resident ID number; refuses locked accounts.

    Interactive sign-in goes through identity.services.signin_password (lockout, MFA, audit);
    this backend serves Django's own machinery (sessions, admin, the API's session auth).
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Account | None:
        if not username or password is None:
            return None
        account = account_find_by_identifier(username)
        if account is None or not self.user_can_authenticate(account):
            return None
        return account if account.check_password(password) else None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        # Administrators manage the models through the admin; what they see of a model is limited
        # by its ModelAdmin's scoped queryset, and city-wide reference data by _admin_may.
        if _is_administrator(user_obj):
            return _admin_may(user_obj, perm)
        return bool(super().has_perm(user_obj, perm, obj))

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if _is_administrator(user_obj):
            return True
        return bool(super().has_module_perms(user_obj, app_label))

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(super().user_can_authenticate(user)) and not user.is_locked()
