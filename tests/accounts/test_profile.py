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
    # ``access`` is the section retreats registers (accounts.shapes.register_profile_section).
    assert set(body) == {"id", "email", "name", "preferences", "subscription", "createdAt", "lastLogin", "access"}
    assert body["access"] == {"grants": [], "attendances": []}
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


def test_the_profile_costs_one_query_more_than_the_user_for_its_access(bearer, app_user, django_assert_num_queries):
    from tests import factories

    for audience in ("event-participants", "available-on-request-only"):
        factories.make_grant(app_user, factories.make_retreat(audience=audience))
    # the token's user (the revocation check asks Redis, not the database), and the access
    # section's one query (retreats' grants and attendances with their gatherings): 1 before it.
    with django_assert_num_queries(2):
        body = bearer.get("/api/v1/user/profile").json()
    assert len(body["access"]["grants"]) == 2


def test_answers_that_embed_the_user_do_not_build_the_profile_sections(api, app_user, django_assert_num_queries):
    from tests import factories

    factories.make_grant(app_user, factories.make_retreat(audience="available-on-request-only"))
    login = api.post("/api/v1/auth/login", {"email": "ana@example.org", "password": "a-long-pass-phrase"})
    assert login.status_code == 200 and "access" not in login.json()["user"]

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['accessToken']}")
    updated = api.put("/api/v1/user/profile", {"name": "Ana Maria"}, format="json").json()
    assert "access" not in updated["user"]
