def test_it_returns_preferences(bearer, app_user):
    response = bearer.get("/api/v1/user/preferences")
    assert response.json() == {
        "language": "en",
        "contentLanguage": "en",
        "biometricEnabled": False,
        "notifications": True,
    }


def test_it_updates_part_of_the_preferences(bearer, app_user):
    response = bearer.put("/api/v1/user/preferences", {"language": "pt", "biometricEnabled": True})
    assert response.status_code == 200
    assert response.json() == {
        "language": "pt",
        "contentLanguage": "en",
        "biometricEnabled": True,
        "notifications": True,
    }
    app_user.refresh_from_db()
    assert app_user.language == "pt" and app_user.biometric_enabled


def test_it_accepts_portuguese_as_the_content_language(bearer, app_user):
    response = bearer.put("/api/v1/user/preferences", {"contentLanguage": "pt"})
    assert response.status_code == 200 and response.json()["contentLanguage"] == "pt"


def test_it_refuses_an_unknown_content_language(bearer, app_user):
    response = bearer.put("/api/v1/user/preferences", {"contentLanguage": "fr"})
    assert response.status_code == 400
    assert "contentLanguage" in response.json()["error"]["details"]
