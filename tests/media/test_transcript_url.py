import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_it_returns_a_signed_pdf_url_with_the_page_count(user_api, public_track, stored, make_pdf):
    pdf = make_pdf(("one", "two", "three"))
    factories.make_transcript(public_track, pages=("one", "two", "three"), pdf_file=stored("t.pdf", pdf))

    response = user_api.get(f"/api/v1/media/transcript/{public_track.uuid}")

    assert response.status_code == 200
    body = response.json()
    assert body["contentType"] == "application/pdf"
    assert body["pageCount"] == 3
    assert "signature=" in body["url"]


def test_it_answers_404_when_the_track_has_no_transcript(user_api, public_track):
    assert user_api.get(f"/api/v1/media/transcript/{public_track.uuid}").status_code == 404


def test_it_answers_locked_for_a_subscribers_gathering_without_subscription(user_api, stored):
    retreat = factories.make_retreat(audience="free-subscribers")
    track = factories.make_track(factories.make_session(retreat))
    factories.make_transcript(track, pdf_file=stored("t.pdf", b"%PDF-1.4"))

    response = user_api.get(f"/api/v1/media/transcript/{track.uuid}")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "locked"
