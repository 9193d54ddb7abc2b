from django.db.models import QuerySet
from django.utils.translation import gettext as _

from cityhall.core.errors import NotFoundError
from cityhall.identity.models import Account
from cityhall.notify.models import Message


def inbox_for(*, account: Account, unread_only: bool = False) -> QuerySet[Message]:
    """An account's own messages, newest first (no one reads another's inbox)."""
    qs = Message.objects.filter(recipient=account)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def inbox_message_get(*, account: Account, message_id: int) -> Message:
    try:
        return inbox_for(account=account).get(pk=message_id)
    except Message.DoesNotExist as exc:
        raise NotFoundError(_("未找到该消息")) from exc


def unread_count(*, account: Account) -> int:
    return inbox_for(account=account, unread_only=True).count()
