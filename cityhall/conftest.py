import pytest

from cityhall.core.calendar import calendar_cache_clear


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    # The working-day table is cached per process; a test that edits it must not leak.
    calendar_cache_clear()
    yield
    calendar_cache_clear()
