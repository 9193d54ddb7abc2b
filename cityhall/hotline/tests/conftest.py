import pytest

from cityhall.hotline.tests import factories as f


@pytest.fixture
def hc(db) -> f.HotlineCity:
    return f.hotline_city()
