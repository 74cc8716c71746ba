import datetime

from django.utils import timezone

from accounts.models import User


def test_it_returns_the_user_object(bearer, app_user):
    User.objects.filter(pk=app_user.pk).update(
        subscription_status="active",
        subscription_plan="premium",
        subscription_expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    body = bearer.get("/api/v1/user/profile").json()
    assert set(body) == {"id", "email", "name", "preferences", "subscription", "createdAt", "lastLogin"}
    assert body["id"] == str(app_user.uuid)
    assert body["preferences"] == {
        "language": "en",
        "contentLanguage": "en",
        "biometricEnabled": False,
        "notifications": True,
    }
    assert body["subscription"]["status"] == "active"
    assert body["subscription"]["plan"] == "premium"
    assert body["subscription"]["expiresAt"].endswith("Z")
    assert body["createdAt"].endswith("Z")


def test_it_updates_name_and_preferences(bearer, app_user):
    response = bearer.put("/api/v1/user/profile", {"name": "Ana Maria", "preferences": {"contentLanguage": "en-pt"}})
    assert response.status_code == 200
    assert response.json()["user"]["name"] == "Ana Maria"
    assert response.json()["user"]["preferences"]["contentLanguage"] == "en-pt"
    app_user.refresh_from_db()
    assert app_user.content_language == "en-pt"
    assert app_user.language == "en"


def test_it_never_changes_email_id_or_subscription(bearer, app_user):
    response = bearer.put(
        "/api/v1/user/profile",
        {
            "email": "evil@example.org",
            "id": "00000000-0000-0000-0000-000000000000",
            "subscription": {"status": "active", "plan": "premium"},
        },
    )
    assert response.status_code == 200
    app_user.refresh_from_db()
    assert app_user.email == "ana@example.org"
    assert str(app_user.uuid) != "00000000-0000-0000-0000-000000000000"
    assert app_user.subscription_status == "inactive"


def test_it_validates_preferences(bearer, app_user):
    response = bearer.put("/api/v1/user/profile", {"preferences": {"language": "fr"}})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_it_needs_a_token(api, db):
    assert api.get("/api/v1/user/profile").status_code == 401
