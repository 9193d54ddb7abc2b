from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cityhall.notify.selectors import unread_count

# 长辈版: larger type, bigger targets, higher contrast, one column and fewer items on every page.
ELDER_COOKIE = "cityhall_elder"


def layout(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs on every page."""
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        "elder_mode": request.COOKIES.get(ELDER_COOKIE) == "1",
        "unread_count": unread_count(account=user) if user and user.is_authenticated else 0,
    }
