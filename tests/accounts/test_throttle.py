def test_it_answers_429_with_retry_after(api, db):
    for _ in range(100):
        assert api.post("/api/v1/auth/forgot-password", {"email": "a@example.org"}).status_code == 202
    response = api.post("/api/v1/auth/login", {"email": "a@example.org", "password": "x-long-password"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0


def test_it_counts_per_client_ip(api, db):
    for _ in range(100):
        api.post("/api/v1/auth/forgot-password", {"email": "a@example.org"}, REMOTE_ADDR="10.0.0.1")
    assert (
        api.post("/api/v1/auth/forgot-password", {"email": "a@example.org"}, REMOTE_ADDR="10.0.0.2").status_code == 202
    )


def test_it_ignores_x_forwarded_for_with_no_proxies(api, db, settings, monkeypatch):
    from padmakara.api.throttles import AuthThrottle

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0  # the local default, as docs/configuration.md says
    monkeypatch.setattr(AuthThrottle, "THROTTLE_RATES", {**AuthThrottle.THROTTLE_RATES, "auth": "1/hour"})
    body = {"email": "a@example.org"}
    assert api.post("/api/v1/auth/forgot-password", body, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 202

    response = api.post("/api/v1/auth/forgot-password", body, HTTP_X_FORWARDED_FOR="198.51.100.2")

    assert response.status_code == 429
