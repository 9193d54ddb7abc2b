"""政民互动: the one page that leads to every way of taking part.

What is open now (drafts to comment on, surveys this resident may answer), where to write, the
resident's own community board, and the latest public information; each list is short and links
to its full page.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityhall.identity.models import Account
from cityhall.participation import selectors
from cityhall.participation.boards import selectors as boards
from cityhall.participation.consultations import selectors as consultations
from cityhall.participation.consultations.selectors import ConsultationStatus
from cityhall.participation.mailbox import selectors as mailbox
from cityhall.participation.surveys import selectors as surveys

SHOWN = 5


def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    account = user if isinstance(user, Account) and user.is_citizen else None
    open_drafts = consultations.consultations_public(status=ConsultationStatus.OPEN)[:SHOWN]
    home = getattr(account, "home_division", None)
    return render(
        request,
        "participation/hub.html",
        {
            "consultations": [consultations.consultation_row(c) for c in open_drafts],
            "mailboxes": mailbox.mailboxes_public()[:SHOWN],
            "surveys": surveys.surveys_open_for(account=account)[:SHOWN] if account else [],
            "my_board": boards.board_at(home) if home is not None else None,
            "my_board_division": home,
            "latest": selectors.publications_public()[:SHOWN],
        },
    )
