"""Every English catalogue is complete: an untranslated string shows Chinese to English users."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    [
        BASE / "locale/en/LC_MESSAGES/django.po",
        *BASE.glob("cityhall/*/locale/en/LC_MESSAGES/django.po"),
    ]
)


def test_catalogues_exist():
    assert len(CATALOGUES) >= 3


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(BASE)))
def test_catalogue_is_complete(path):
    catalogue = polib.pofile(str(path))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
