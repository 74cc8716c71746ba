"""Signing in to the admin (accounts/admin_site.py): failures slow the account and the client
IP down (accounts.login_limits, as the API's login) without locking the owner out, and staff
pass a second step, a TOTP code from a django-otp device, set up from the admin itself."""

import re

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase"
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
TWO_STEP = reverse("admin:two_step")


@pytest.fixture
def owner(db):
    """A staff member with two-step verification set up."""
    user = factories.make_staff(email="owner@example.org")
    factories.make_admin_device(user)
    return user


def _sign_in(client, password=PASSWORD, *, code="", email="owner@example.org", ip="203.0.113.9", **headers):
    data = {"username": email, "password": password, "otp_token": code, "next": INDEX}
    return client.post(LOGIN, data, REMOTE_ADDR=ip, **headers)


def _code(user, **kwargs) -> str:
    return factories.totp_code(TOTPDevice.objects.get(user=user), **kwargs)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _verified(client) -> bool:
    return DEVICE_ID_SESSION_KEY in client.session


# --- Slowed, not locked -------------------------------------------------------------------


def test_it_refuses_the_right_password_and_code_while_the_account_is_slowed_then_lets_the_owner_in(
    client, owner, clock, settings
):
    statuses = [_sign_in(client, "wrong-password").status_code for _ in range(settings.IDENTITY_LOGIN_FREE_FAILURES)]

    refused = _sign_in(client, code=_code(owner))

    assert statuses == [200] * settings.IDENTITY_LOGIN_FREE_FAILURES  # the form again, with Django's error
    assert refused.status_code == 429 and refused["Retry-After"] == "1"
    assert "Too many sign-in attempts. Wait 1 second and try again." in refused.content.decode()
    assert 'name="otp_token"' in refused.content.decode()  # the form, to try again after the wait
    assert not _signed_in(client)

    clock.advance(1)
    response = _sign_in(client, code=_code(owner))

    assert response.status_code == 302 and response["Location"] == INDEX
    assert _verified(client) and client.get(INDEX).status_code == 200


def test_an_attackers_30_wrong_passwords_do_not_keep_the_owner_out(client, owner, clock):
    attacker = Client()
    for _ in range(30):
        _sign_in(attacker, "wrong-password", ip="198.51.100.66")
        clock.advance(1)

    response = _sign_in(client, code=_code(owner))
    if response.status_code == 429:  # the attacker's last failure is at most a minute old
        assert int(response["Retry-After"]) <= 60
        clock.advance(int(response["Retry-After"]))
        response = _sign_in(client, code=_code(owner))

    assert response.status_code == 302 and _verified(client)


def test_it_slows_an_account_from_every_ip(client, owner, clock, settings):
    for n in range(settings.IDENTITY_LOGIN_FREE_FAILURES):
        _sign_in(Client(), "wrong-password", ip=f"198.51.100.{n}")

    assert _sign_in(client, code=_code(owner), ip="192.0.2.1").status_code == 429


def test_it_slows_one_ip_trying_many_accounts(client, owner, clock, settings):
    for n in range(settings.IDENTITY_LOGIN_FREE_FAILURES_PER_IP):
        _sign_in(client, "wrong-password", email=f"someone{n}@example.org")

    assert _sign_in(client, code=_code(owner)).status_code == 429
    assert _sign_in(client, code=_code(owner), ip="192.0.2.1").status_code == 302


def test_wrong_codes_count_as_failures(client, owner, clock, settings):
    right = _code(owner)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(settings.IDENTITY_LOGIN_FREE_FAILURES):
        response = _sign_in(client, code=wrong)
        assert response.status_code == 200 and "The code is wrong or has expired" in response.content.decode()

    assert _sign_in(client, code=right).status_code == 429
    assert not _signed_in(client)


def test_it_says_how_long_to_wait_in_portuguese(client, owner, clock, settings):
    for _ in range(settings.IDENTITY_LOGIN_FREE_FAILURES + 1):
        clock.advance(60)
        _sign_in(client, "wrong-password")

    response = _sign_in(client, code=_code(owner), HTTP_ACCEPT_LANGUAGE="pt")

    assert response.status_code == 429 and response["Retry-After"] == "2"
    assert "Demasiadas tentativas de entrada. Aguarde 2 segundos e tente de novo." in response.content.decode()


def test_a_success_forgets_the_accounts_failures(client, owner, clock, settings):
    free = settings.IDENTITY_LOGIN_FREE_FAILURES
    for n in range(free - 1):
        _sign_in(Client(), "wrong-password", ip=f"198.51.100.{n}")

    assert _sign_in(client, code=_code(owner)).status_code == 302
    after = [_sign_in(Client(), "wrong-password", ip=f"192.0.2.{n}").status_code for n in range(free)]
    assert after == [200] * free  # counted from zero again


# --- The second step ----------------------------------------------------------------------


def test_the_password_alone_does_not_sign_in_a_staff_member_with_a_device(client, owner):
    response = _sign_in(client)

    assert response.status_code == 200
    assert "Two-step verification is on for this account" in response.content.decode()
    assert not _signed_in(client)


def test_the_password_and_the_code_sign_in_a_verified_session(client, owner):
    response = _sign_in(client, code=_code(owner))

    assert response.status_code == 302 and _verified(client)
    assert client.get(INDEX).status_code == 200


def test_a_code_is_accepted_once_only(client, owner):
    code = _code(owner)
    assert _sign_in(client, code=code).status_code == 302

    again = Client()
    response = _sign_in(again, code=code)

    assert response.status_code == 200 and not _signed_in(again)


def _admin_pages(*, add=True):
    """The index, the dashboard and every registered model's changelist (and add page)."""
    pages = [INDEX, reverse("dashboard:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse(f"admin:{info[0]}_{info[1]}_changelist"))
        if add:
            pages.append(reverse(f"admin:{info[0]}_{info[1]}_add"))
    return pages


def test_a_password_only_session_reaches_no_admin_page(client, owner):
    client.force_login(owner)  # signed in, but not through the second step
    retreat = factories.make_retreat()

    pages = [*_admin_pages(), reverse("admin:retreats_retreat_change", args=[retreat.pk])]
    answers = {page: client.get(page) for page in pages}

    assert {page: r.status_code for page, r in answers.items()} == dict.fromkeys(pages, 302)
    assert all(r["Location"].startswith(f"{TWO_STEP}?next=") for r in answers.values())


def test_a_verified_session_reaches_every_admin_page(staff_client):
    answers = {page: staff_client.get(page).status_code for page in _admin_pages(add=False)}

    assert answers == dict.fromkeys(answers, 200)


def test_a_password_only_staff_session_does_not_authenticate_api_calls(client, owner):
    client.force_login(owner)
    assert client.get("/api/v1/user/profile").status_code == 401

    factories.admin_login(client, owner)
    assert client.get("/api/v1/user/profile").status_code == 200


def test_the_code_page_verifies_a_password_only_session(client, owner):
    client.force_login(owner)

    page = client.get(TWO_STEP, {"next": INDEX}).content.decode()
    response = client.post(TWO_STEP, {"otp_token": _code(owner), "next": INDEX})

    assert "Enter the code from your authenticator app to continue." in page and "two-step-qr" not in page
    assert response.status_code == 302 and response["Location"] == INDEX
    assert client.get(INDEX).status_code == 200


# --- Setting it up ------------------------------------------------------------------------


def test_a_staff_member_without_a_device_is_sent_to_set_it_up_and_nowhere_else(client):
    staff = factories.make_staff(email="new@example.org")

    response = _sign_in(client, email="new@example.org")

    assert response.status_code == 302 and _signed_in(client) and not _verified(client)
    for page in _admin_pages():
        assert client.get(page)["Location"] == f"{TWO_STEP}?next={page}", page
    assert TOTPDevice.objects.filter(user=staff).count() == 0  # nothing until the page is shown


def test_enrolment_end_to_end(client):
    staff = factories.make_staff(email="new@example.org")
    _sign_in(client, email="new@example.org")

    response = client.get(INDEX, follow=True)
    page = response.content.decode()
    device = TOTPDevice.objects.get(user=staff)
    secret = re.search(r'id="two-step-secret">([A-Z2-7 ]+)<', page).group(1)

    assert response.redirect_chain == [(f"{TWO_STEP}?next=/admin/", 302)]
    assert not device.confirmed
    assert "<svg" in page and "otpauth://totp/Padmakara%20admin%3Anew%40example.org?secret=" in page
    assert reverse("admin:retreats_retreat_changelist") not in page  # no sidebar of models yet
    assert client.get(TWO_STEP).content.decode().count(secret) == 1  # the same key until confirmed

    wrong = f"{(int(factories.totp_code(device)) + 1) % 1_000_000:06d}"
    refused = client.post(TWO_STEP, {"otp_token": wrong, "next": INDEX})
    assert refused.status_code == 200 and "The code is wrong or has expired" in refused.content.decode()
    assert client.get(INDEX).status_code == 302

    confirmed = client.post(TWO_STEP, {"otp_token": factories.totp_code(device), "next": INDEX})

    assert confirmed.status_code == 302 and confirmed["Location"] == INDEX
    assert client.get(INDEX).status_code == 200
    assert TOTPDevice.objects.get(user=staff).confirmed
    assert LogEntry.objects.filter(object_pk=str(staff.pk), additional_data__message__icontains="set up").count() == 1
    assert "two-step-on" in client.get(TWO_STEP).content.decode()

    # From now on the login form asks for the code.
    client.post(reverse("admin:logout"))
    assert _sign_in(client, email="new@example.org").status_code == 200 and not _signed_in(client)
    code = factories.totp_code(device, steps_ahead=1)  # the current step's code is spent
    assert _sign_in(client, email="new@example.org", code=code).status_code == 302
    assert client.get(INDEX).status_code == 200


def test_wrong_codes_on_the_set_up_page_are_slowed_too(client, clock, settings):
    staff = factories.make_staff()
    client.force_login(staff)
    client.get(TWO_STEP)
    device = TOTPDevice.objects.get(user=staff)
    right = factories.totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(settings.IDENTITY_LOGIN_FREE_FAILURES):
        assert client.post(TWO_STEP, {"otp_token": wrong}).status_code == 200

    refused = client.post(TWO_STEP, {"otp_token": right})

    assert refused.status_code == 429 and refused["Retry-After"] == "1"
    assert "Wait 1 second" in refused.content.decode()
    clock.advance(1)
    assert client.post(TWO_STEP, {"otp_token": right}).status_code == 302


def test_the_set_up_page_speaks_portuguese(client):
    factories.make_staff(email="new@example.org")
    _sign_in(client, email="new@example.org")

    page = client.get(TWO_STEP, HTTP_ACCEPT_LANGUAGE="pt").content.decode()

    assert "Verificação em dois passos" in page and "Confirmar e continuar" in page


def test_the_set_up_page_is_not_for_anonymous_or_non_staff(client):
    assert client.get(TWO_STEP)["Location"].startswith(f"{LOGIN}?next=")

    client.force_login(factories.make_user())
    assert client.get(TWO_STEP)["Location"].startswith(f"{LOGIN}?next=")
    assert not TOTPDevice.objects.exists()


def test_it_does_not_follow_a_next_to_another_site(client):
    staff = factories.make_staff()
    client.force_login(staff)
    client.get(TWO_STEP)
    device = TOTPDevice.objects.get(user=staff)

    response = client.post(TWO_STEP, {"otp_token": factories.totp_code(device), "next": "https://evil.example/"})

    assert response["Location"] == INDEX


def test_a_staff_member_awaiting_the_second_step_can_sign_out(client):
    client.force_login(factories.make_staff())

    response = client.post(reverse("admin:logout"))

    assert response.status_code == 200 and not _signed_in(client)


def test_the_user_tools_link_to_the_two_step_page(staff_client):
    assert f'href="{TWO_STEP}"' in staff_client.get(INDEX).content.decode()


def test_without_the_requirement_the_password_is_enough_for_staff_without_a_device(client, settings):
    """The demo's way (ADMIN_REQUIRE_MFA is off with DEBUG, as `make run` has it)."""
    settings.ADMIN_REQUIRE_MFA = False
    factories.make_staff(email="demo@example.org")

    assert _sign_in(client, email="demo@example.org").status_code == 302
    assert client.get(INDEX).status_code == 200


def test_without_the_requirement_a_device_set_up_is_still_asked_for(client, owner, settings):
    settings.ADMIN_REQUIRE_MFA = False

    assert _sign_in(client).status_code == 200 and not _signed_in(client)
    assert _sign_in(client, code=_code(owner)).status_code == 302


# --- Reset --------------------------------------------------------------------------------


def _reset(client, *users):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_admin_mfa", "_selected_action": [u.pk for u in users]},
        follow=True,
    )


def test_a_superuser_resets_a_staff_members_device_and_their_sessions_lose_it(staff_client, staff, owner):
    theirs = Client()
    factories.admin_login(theirs, owner)
    assert theirs.get(INDEX).status_code == 200

    response = _reset(staff_client, owner)

    assert "Two-step verification for the admin reset for 1 user" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=owner).exists()
    entry = LogEntry.objects.get(object_pk=str(owner.pk), additional_data__message__icontains="reset")
    assert entry.actor_id == staff.pk
    assert theirs.get(INDEX)["Location"].startswith(TWO_STEP)  # set it up again
    assert _sign_in(Client()).status_code == 302  # the password alone, then the set-up page


def test_resetting_someone_without_a_device_says_so(staff_client):
    other = factories.make_staff(email="other@example.org")

    response = _reset(staff_client, other)

    assert "ther@example.org: No two-step verification for the admin is set up." in response.content.decode()


def test_only_a_superuser_has_the_reset_action(client, owner):
    from django.contrib.auth.models import Permission

    manager = factories.make_user(is_staff=True)
    manager.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    factories.admin_login(client, manager)

    page = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    _reset(client, owner)

    assert 'value="reset_admin_mfa"' not in page
    assert TOTPDevice.objects.filter(user=owner).exists()


def test_the_device_admin_is_not_registered():
    assert not admin.site.is_registered(TOTPDevice)


def test_the_command_resets_a_device_for_lockout_recovery(owner, capsys):
    call_command("reset_admin_mfa", "Owner@Example.org")

    assert "reset for owner@example.org" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=owner).exists()
    with pytest.raises(CommandError, match="No two-step verification"):
        call_command("reset_admin_mfa", "owner@example.org")
    with pytest.raises(CommandError, match="No user"):
        call_command("reset_admin_mfa", "nobody@example.org")


def test_the_user_page_says_whether_it_is_set_up(staff_client, owner):
    newcomer = factories.make_staff()

    set_up = staff_client.get(reverse("admin:accounts_user_change", args=[owner.pk])).content.decode()
    not_yet = staff_client.get(reverse("admin:accounts_user_change", args=[newcomer.pk]), HTTP_ACCEPT_LANGUAGE="pt")

    assert "Two-step verification for the admin" in set_up and "On since" in set_up
    assert "Não configurada" in not_yet.content.decode()
