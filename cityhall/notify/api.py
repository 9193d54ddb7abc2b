from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from cityhall.notify import selectors, services
from cityhall.notify.models import Message

router = Router()


class MessageOut(Schema):
    id: int
    subject: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None


@router.get("/inbox", response=list[MessageOut], summary="My inbox (newest first)")
@paginate(PageNumberPagination, page_size=20)
def inbox(request: HttpRequest, unread_only: bool = False) -> list[Message]:
    return selectors.inbox_for(account=request.user, unread_only=unread_only)  # type: ignore[arg-type, return-value]


@router.post("/inbox/{message_id}/read", response=MessageOut, summary="Mark one message read")
def mark_read(request: HttpRequest, message_id: int) -> Message:
    message = selectors.inbox_message_get(account=request.user, message_id=message_id)  # type: ignore[arg-type]
    services.message_mark_read(message=message)
    message.refresh_from_db()
    return message
