import uuid

import pytest

from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _notify(user):
    return Notification.objects.create(user=user, event_key="k", type="new_gathering", title="t", message="m")


def test_it_marks_a_notification_read(user_api, user):
    notification = _notify(user)

    response = user_api.put(f"/api/v1/notifications/{notification.uuid}/read")

    assert response.status_code == 200
    assert response.json() == {"message": "Notification marked as read."}
    notification.refresh_from_db()
    assert notification.read and notification.read_at is not None


def test_it_accepts_a_trailing_slash_and_a_second_call(user_api, user):
    notification = _notify(user)

    assert user_api.put(f"/api/v1/notifications/{notification.uuid}/read/").status_code == 200
    assert user_api.put(f"/api/v1/notifications/{notification.uuid}/read").status_code == 200


def test_it_answers_404_for_another_users_notification(user_api, other_user):
    notification = _notify(other_user)

    response = user_api.put(f"/api/v1/notifications/{notification.uuid}/read")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    notification.refresh_from_db()
    assert not notification.read


def test_it_answers_404_for_an_unknown_id(user_api):
    assert user_api.put(f"/api/v1/notifications/{uuid.uuid4()}/read").status_code == 404


def test_it_allows_only_put(user_api, user):
    notification = _notify(user)

    response = user_api.post(f"/api/v1/notifications/{notification.uuid}/read")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
