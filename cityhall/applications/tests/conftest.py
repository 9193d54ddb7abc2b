import pytest

from cityhall.applications.tests import factories as f


@pytest.fixture
def city(db):
    """Units for RS-003 (区人社局 + 市社保中心) and RS-001, with their staff and a resident."""
    return {
        "citizen": f.resident(),
        "rs": f.reviewer(f.DISTRICT, "RS"),
        "sb": f.reviewer(f.CITY, "SB"),
        "clerk": f.clerk(),
        "supervisor": f.supervisor(),
    }
