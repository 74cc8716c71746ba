import pytest

from notifications.models import Notification


def _notify(user, n, **extra):
    return Notification.objects.create(
        user=user, event_key=f"k{n}", type="new_gathering", title=f"Title {n}", message=f"Message {n}", **extra
    )


@pytest.mark.django_db
def test_it_lists_the_users_notifications_newest_first(user_api, user):
    first, second = _notify(user, 1), _notify(user, 2)

    response = user_api.get("/api/v1/notifications")

    assert response.status_code == 200
    body = response.json()
    assert [n["id"] for n in body["notifications"]] == [str(second.uuid), str(first.uuid)]
    assert body["notifications"][0] == {
        "id": str(second.uuid),
        "type": "new_gathering",
        "title": "Title 2",
        "message": "Message 2",
        "read": False,
        "createdAt": second.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert (body["totalCount"], body["hasMore"]) == (2, False)


@pytest.mark.django_db
def test_it_shows_no_one_elses_notifications(user_api, other_user):
    _notify(other_user, 1)

    body = user_api.get("/api/v1/notifications/").json()

    assert body == {"notifications": [], "totalCount": 0, "hasMore": False}


@pytest.mark.django_db
def test_it_paginates(user_api, user):
    for n in range(5):
        _notify(user, n)

    body = user_api.get("/api/v1/notifications?limit=2&offset=2").json()

    assert [n["title"] for n in body["notifications"]] == ["Title 2", "Title 1"]
    assert (body["totalCount"], body["hasMore"]) == (5, True)


@pytest.mark.django_db
def test_it_costs_the_same_queries_for_many_notifications(user_api, user, django_assert_max_num_queries):
    for n in range(60):
        _notify(user, n)

    with django_assert_max_num_queries(4):
        assert len(user_api.get("/api/v1/notifications?limit=50").json()["notifications"]) == 50


@pytest.mark.django_db
def test_it_needs_a_token(api):
    response = api.get("/api/v1/notifications")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
def test_it_rejects_a_bad_limit(user_api):
    assert user_api.get("/api/v1/notifications?limit=500").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [2**63, 1_000_001])
def test_it_refuses_an_offset_past_the_maximum(user_api, offset):
    response = user_api.get(f"/api/v1/notifications?offset={offset}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "offset" in response.json()["error"]["details"]
