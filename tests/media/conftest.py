"""Media fixtures. moto's S3 server (``s3``), real audio made by ffmpeg (``make_audio``), real
PDFs made by fpdf2 (``make_pdf``) and ``stored`` are in tests/conftest.py: the e2e,
integration and fault tests use them too."""

import pytest

from tests import factories


@pytest.fixture
def public_track(db):
    retreat = factories.make_retreat(slug="spring-2024", audience="free-anyone")
    session = factories.make_session(retreat, name="Day 1 morning")
    return factories.make_track(session, order=1, title="The daily practice", duration=120)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def storage(request):
    """Runs the test on local files and again on moto's S3 server; the value names which."""
    if request.param == "s3":
        request.getfixturevalue("s3")
    return request.param
