"""GET /user/subscription, starting one online and cancelling it (docs/api.md "Subscription")."""

from decimal import Decimal

from subscriptions import services
from subscriptions.models import Subscription
from tests import factories

from .conftest import START

URL = "/api/v1/user/subscription"


def test_it_shows_no_subscription_and_the_plans_offered(user_api, basic):
    body = user_api.get(URL).json()
    assert body["current"] is None
    assert body["payments"] == []
    assert body["access"] == {"status": "inactive", "plan": "basic", "expiresAt": None}
    assert {"code": "basic", "name": "Monthly", "price": "5.00", "currency": "EUR", "periodMonths": 1} in body["plans"]


def test_it_shows_the_members_subscription_and_payments(user_api, user, basic, staff, now):
    services.record_manual_payment(
        user=user, plan=basic, method="cash", amount=Decimal("5"), received_at=START, by=staff
    )
    user.refresh_from_db()  # the authenticated user of the test client, as a token's request would load it
    body = user_api.get(URL).json()
    assert body["current"]["status"] == "active"
    assert body["current"]["source"] == "cash"
    assert body["current"]["paidUntil"] == "2026-04-10T12:00:00Z"
    assert [(p["amount"], p["method"], p["kind"]) for p in body["payments"]] == [("5.00", "cash", "payment")]
    assert body["access"]["status"] == "active"


def test_it_shows_only_the_callers_own(user_api, other_user, basic, staff, now):
    services.record_manual_payment(
        user=other_user, plan=basic, method="cash", amount=Decimal("5"), received_at=START, by=staff
    )
    body = user_api.get(URL).json()
    assert body["current"] is None and body["payments"] == []


def test_it_starts_a_multibanco_payment(user_api, user, basic, easypay, now):
    response = user_api.post(URL, {"plan": "basic", "method": "multibanco"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["subscription"]["status"] == "pending"
    assert body["checkout"]["method"] == "multibanco"
    assert body["checkout"]["entity"] == "21098" and body["checkout"]["reference"]
    assert body["checkout"]["amount"] == "5.00"


def test_it_refuses_a_second_subscription(user_api, basic, easypay, now):
    user_api.post(URL, {"plan": "basic", "method": "card"}, format="json")
    response = user_api.post(URL, {"plan": "basic", "method": "card"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


def test_it_refuses_a_plan_no_longer_offered(user_api, basic, easypay):
    basic.active = False
    basic.save()
    response = user_api.post(URL, {"plan": "basic", "method": "card"}, format="json")
    assert response.status_code == 404


def test_it_answers_503_when_easypay_is_down_and_keeps_nothing(user_api, user, basic, easypay):
    easypay.down = True
    response = user_api.post(URL, {"plan": "basic", "method": "card"}, format="json")
    assert response.status_code == 503
    assert not Subscription.objects.filter(user=user).exists()


def test_it_cancels_and_stops_easypay_charging(user_api, user, basic, easypay, now):
    subscription, _ = services.start(user=user, plan=basic, method="card")
    services.record_payment(
        subscription=subscription, amount=Decimal("5"), method="card", received_at=START, provider_payment_id="cap-1"
    )
    response = user_api.post(f"{URL}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert ("DELETE", f"/2.0/subscription/{subscription.provider_ref}") in easypay.requests
    assert user.__class__.objects.get(pk=user.pk).subscription_is_active  # paid time runs to its end


def test_cancel_without_a_subscription_is_not_found(user_api, db):
    assert user_api.post(f"{URL}/cancel").status_code == 404


def test_it_needs_a_token(api, db):
    assert api.get(URL).status_code == 401
    assert api.post(f"{URL}/cancel").status_code == 401


def test_the_local_provider_pays_at_once(user_api, user, basic, settings, django_capture_on_commit_callbacks, now):
    settings.PAYMENT_PROVIDER = "subscriptions.providers.local.LocalPaymentProvider"
    with django_capture_on_commit_callbacks(execute=True):
        response = user_api.post(URL, {"plan": "basic", "method": "mbway"}, format="json")
    assert response.status_code == 201
    subscription = Subscription.objects.get(user=user)
    assert subscription.status == "active"
    assert factories.User.objects.get(pk=user.pk).subscription_is_active
