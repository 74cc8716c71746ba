import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accounts.models import LocalCredentials, RefreshToken, User
from tests.factories import make_group, make_member, make_user


def test_it_lists_users(staff_client, db):
    make_user(email="listener@example.org")
    response = staff_client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert b"listener@example.org" in response.content


def test_it_shows_memberships_and_devices(staff_client, db):
    user = make_user()
    make_member(user, make_group(name="Mind Training"))
    user.devices.create(platform="ios", push_token="tok")
    response = staff_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    assert response.status_code == 200
    assert b"Mind Training" in response.content
    assert b"subscription_status" in response.content


def test_it_adds_a_user(staff_client, db):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new@example.org",
            "name": "New",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@example.org").check_password("a-long-pass-phrase")


@pytest.mark.parametrize("email", ["\u212aate@example.org", "\u0130nes@example.org"])
def test_it_refuses_an_email_that_changes_when_lower_cased(staff_client, db, email):
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {"email": email, "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
    )
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert not User.objects.exclude(is_staff=True).exists()


def _act(staff_client, action, user):
    return staff_client.post(
        reverse("admin:accounts_user_changelist"), {"action": action, "_selected_action": [user.pk]}, follow=True
    )


def test_it_confirms_a_user(staff_client, db):
    user = make_user(email_verified=False)
    _act(staff_client, "confirm_users", user)
    user.refresh_from_db()
    assert user.email_verified


def test_it_disables_a_user_and_ends_their_sessions(staff_client, db):
    user = make_user()
    RefreshToken.objects.create(user=user, token_hash="x" * 64, expires_at="2999-01-01T00:00:00Z")
    response = _act(staff_client, "disable_users", user)
    assert b"1 user disabled" in response.content
    user.refresh_from_db()
    assert not user.is_active
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_it_resets_mfa(staff_client, db):
    user = make_user()
    LocalCredentials.objects.create(user=user, mfa_secret="JBSWY3DPEHPK3PXP", mfa_enabled=True)
    _act(staff_client, "reset_mfa", user)
    assert not LocalCredentials.objects.get(user=user).mfa_enabled


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("confirm_users", "Email confirmed."),
        ("disable_users", "Disabled."),
        ("reset_mfa", "Two-step verification reset."),
    ],
)
def test_it_audits_each_user_action_naming_the_staff_member(staff_client, staff, action, message):
    user = make_user(email_verified=False)
    LocalCredentials.objects.create(user=user, mfa_secret="JBSWY3DPEHPK3PXP", mfa_enabled=True)

    _act(staff_client, action, user)

    entry = LogEntry.objects.get(object_id=user.pk, additional_data__message=message)
    assert entry.actor == staff
