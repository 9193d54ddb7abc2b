"""The hotline's JSON API (/api/v1/hotline/)."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from cityhall.core.errors import DomainError
from cityhall.hotline.classification import category_names, suggest
from cityhall.hotline.models import Kind
from cityhall.hotline.services.intake import TEXT_MAX

router = Router()


class ClassifyIn(Schema):
    text: str


class ClassifyOut(Schema):
    category: str
    category_name: str
    type: str
    type_name: str
    confidence: float


@router.post("/classify", response={200: list[ClassifyOut]})
def classify(request: HttpRequest, payload: ClassifyIn) -> list[ClassifyOut]:
    """The three likeliest categories and the likely type of a citizen's text, best first.

    Open to every channel and outside system: the text is not stored.
    """
    text = payload.text.strip()
    if not text:
        raise DomainError(_("请填写诉求内容"), code="text_required")
    if len(text) > TEXT_MAX:
        raise DomainError(_("诉求内容不能超过 %(n)s 个字") % {"n": TEXT_MAX}, code="text_too_long")
    names = category_names()
    return [
        ClassifyOut(
            category=s.category,
            category_name=names.get(s.category, ""),
            type=s.kind,
            type_name=str(Kind(s.kind).label),
            confidence=s.confidence,
        )
        for s in suggest(text, limit=3)
    ]
