"""Fixtures for the whole suite: per-process caches must not carry one test's data into another."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils.translation.reloader import translation_file_changed

from cityhall.core.calendar import calendar_cache_clear
from cityhall.geo.selectors import locate_index_invalidate


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    # The working-day table and the locate index are cached per process, but each test rolls its
    # database back; without this a test could see the calendar edits or grids of the one before.
    calendar_cache_clear()
    locate_index_invalidate()
    yield
    calendar_cache_clear()
    locate_index_invalidate()


@pytest.fixture(scope="session", autouse=True)
def english_catalogue():
    """Compiled .mo files (build output, not in git) and a fresh translation cache."""
    call_command("translations_compile", verbosity=0)
    translation_file_changed(sender=None, file_path=Path("django.mo"))
