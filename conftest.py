"""Fixtures for the whole suite: per-process caches must not carry one test's data into another."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connections
from django.utils import translation
from django.utils.translation.reloader import translation_file_changed
from pytest_django.plugin import blocking_manager_key

from cityhall.core.calendar import calendar_cache_clear
from cityhall.geo.selectors import locate_index_invalidate
from cityhall.hotline.classification import classifier_invalidate
from cityhall.hotline.services.reference import reference_invalidate


def _flushes_database(item: pytest.Item) -> bool:
    """Transactional tests (and the live server) end by emptying every table."""
    names = getattr(item, "fixturenames", ())
    if "live_server" in names or "transactional_db" in names:
        return True
    marker = item.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


_flushed: dict[str, bool] = {"pending": False}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Note a test that flushed the database; the next test's setup restores the reference data.

    Divisions, the working-day calendar and the audit chain head are loaded by migrations; a
    transactional test's flush removes them. Serialized rollback restores them before the next
    test that asks for it, but with xdist a worker may run an ordinary test next. The restore
    waits for that next test's setup: an xdist worker does not always know its next test when one
    ends (`nextitem` is None at the end of each batch it was sent), and after the very last test
    the session's teardown has already dropped the test databases.
    """
    result = yield
    if _flushes_database(item):
        _flushed["pending"] = True
    return result


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _flushed["pending"]:
        return
    _flushed["pending"] = False
    with item.config.stash[blocking_manager_key].unblock():
        for alias in connections:
            contents = getattr(connections[alias], "_test_serialized_contents", None)
            if contents:
                connections[alias].creation.deserialize_db_from_string(contents)


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    # The working-day table and the locate index are cached per process, but each test rolls its
    # database back; without this a test could see the calendar edits or grids of the one before.
    calendar_cache_clear()
    locate_index_invalidate()
    classifier_invalidate()
    reference_invalidate()
    # The Django cache holds per-client rate-limit windows and generated open-data files.
    cache.clear()
    # The test client runs requests in this thread and LocaleMiddleware leaves the request's
    # language active after it: a test after an English request would otherwise run in English.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    calendar_cache_clear()
    locate_index_invalidate()
    classifier_invalidate()
    reference_invalidate()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Files stored by a test (uploads, photos; the live server runs in this process) land in a
    # throwaway folder; the storage's cached location must follow the setting.
    settings.MEDIA_ROOT = tmp_path / "media"
    default_storage.__dict__.pop("base_location", None)
    default_storage.__dict__.pop("location", None)


@pytest.fixture(scope="session", autouse=True)
def english_catalogue():
    """Compiled .mo files (build output, not in git) and a fresh translation cache."""
    call_command("translations_compile", verbosity=0)
    translation_file_changed(sender=None, file_path=Path("django.mo"))
