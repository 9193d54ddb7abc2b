"""Every interface string of the geo app has an English translation."""

import re
from pathlib import Path

import polib

APP = Path(__file__).resolve().parent.parent
CATALOGUE = APP / "locale" / "en" / "LC_MESSAGES" / "django.po"

PY_CALL = re.compile(r'\b(?:_|gettext|gettext_lazy|gettext_noop)\(\s*"((?:[^"\\]|\\.)*)"')
TEMPLATE_TAG = re.compile(r"""\{%\s*translate\s+(["'])(.*?)\1""")
TEMPLATE_FILTER_ARG = re.compile(r'_\("([^"]*)"\)')
BLOCK = re.compile(
    r"\{%\s*blocktranslate[^%]*%\}(.*?)\{%\s*(?:plural|endblocktranslate)\s*%\}", re.S
)


def _used_msgids() -> set[str]:
    found: set[str] = set()
    for path in APP.rglob("*.py"):
        if {"tests", "migrations"} & set(path.parts):
            continue
        found.update(PY_CALL.findall(path.read_text(encoding="utf-8")))
    for path in (APP / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        found.update(m[1] for m in TEMPLATE_TAG.findall(text))
        found.update(TEMPLATE_FILTER_ARG.findall(text))
        for block in BLOCK.findall(text):
            # blocktranslate trimmed: {{ var }} becomes %(var)s, whitespace runs collapse.
            found.add(re.sub(r"\s+", " ", re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", block)).strip())
    return found


def test_catalogue_translates_every_string():
    catalogue = polib.pofile(str(CATALOGUE))
    translated = {entry.msgid for entry in catalogue if entry.translated()}
    used = _used_msgids()
    assert len(used) > 50  # the extraction found the app's strings
    assert sorted(used - translated) == []


def test_catalogue_has_no_empty_or_untranslated_entries():
    catalogue = polib.pofile(str(CATALOGUE))
    assert catalogue.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert catalogue.untranslated_entries() == []
    for entry in catalogue:
        # Placeholders survive translation, or the English text would crash or lie.
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text:
                assert set(re.findall(r"%\(\w+\)s", text)) == set(
                    re.findall(r"%\(\w+\)s", entry.msgid)
                ), entry.msgid
