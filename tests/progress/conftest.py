import pytest
from django.utils import timezone

from tests.factories import make_group, make_retreat, make_session, make_track


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def track(db):
    """A public, published talk of 1000 seconds: 95% is 950."""
    return make_track(make_session(make_retreat(audience="free-anyone")), duration=1000.0)


@pytest.fixture
def second_track(track):
    return make_track(track.session, duration=2000.0)


@pytest.fixture
def locked_track(db):
    """Published, but only for members of a group the test user is not in."""
    return make_track(
        make_session(make_retreat(groups=[make_group()], audience="retreat-group-members")), duration=1000.0
    )


@pytest.fixture
def draft_track(db):
    return make_track(make_session(make_retreat(status="draft")), duration=1000.0)
