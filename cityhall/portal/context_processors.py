from typing import Any

from django.conf import settings
from django.http import HttpRequest

from cityhall.notify.selectors import unread_count

LARGE_FONT_COOKIE = "cityhall_large_font"


def layout(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs on every page."""
    user = getattr(request, "user", None)
    return {
        "site_name": settings.SITE_NAME,
        "large_font": request.COOKIES.get(LARGE_FONT_COOKIE) == "1",
        "unread_count": unread_count(account=user) if user and user.is_authenticated else 0,
    }
