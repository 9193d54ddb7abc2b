from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from cityhall.identity.models import Account, AccountKind
from cityhall.identity.roles import Capability
from cityhall.identity.selectors import account_can, account_find_by_identifier


def _is_administrator(user: Any) -> bool:
    return bool(
        user.is_active
        and getattr(user, "kind", None) == AccountKind.STAFF
        and account_can(user, Capability.ADMINISTER)
    )


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
        # Administrators manage every model through the admin; what they see of it is limited by
        # each ModelAdmin's scoped queryset, not by per-model permission rows.
        if _is_administrator(user_obj):
            return True
        return bool(super().has_perm(user_obj, perm, obj))

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        if _is_administrator(user_obj):
            return True
        return bool(super().has_module_perms(user_obj, app_label))

    def user_can_authenticate(self, user: Any) -> bool:
        return bool(super().user_can_authenticate(user)) and not user.is_locked()
