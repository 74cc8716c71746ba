"""Onboarding end to end, with the approval in the real browser (Debian's Chromium, headless,
1366 × 900), in English and in Portuguese: a person asks to join through the API; staff sign
in to the admin, see the request counted on the index, pick a retreat group and a gathering on
it and approve it from the queue; the welcome mail arrives; the person asks for a sign-in code,
reads it from the mail, gets tokens for a named device, finds the device listed and revokes it,
and its refresh token is refused. Every admin page is photographed under test-artifacts/
(onboarding-…), logs no console error and fits the screen."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories

from .test_staff_journey import WAIT_SECONDS, Journey, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "rita@example.org"
APPROVED = {
    "en": "1 request approved: the account is created and its sign-in email sent.",
    "pt": "1 pedido aprovado: a conta foi criada e o email para entrar foi enviado.",
}


@pytest.mark.parametrize("language", ["en", "pt"])
def test_the_onboarding_journey(browser, live_server, language):  # noqa: F811  (fixture)
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from accounts.models import AccessRequest, User
    from retreats.models import Attendance

    staff = factories.make_user(
        email="staff@example.org", password="a-long-pass-phrase", is_staff=True, is_superuser=True
    )
    device = factories.make_admin_device(staff)
    group = factories.make_group(name="Mind Training Series", slug="mind-training")
    gathering = factories.make_retreat(name="Autumn Teachings 2030", audience="available-on-request-only")
    api = APIClient()
    wait = WebDriverWait(browser, WAIT_SECONDS)
    journey = Journey(browser, live_server, language, name="onboarding")

    def submit(element):
        page = browser.find_element(By.TAG_NAME, "html")
        element.click()
        wait.until(ec.staleness_of(page))

    # A person asks to join, from the app.
    asked = api.post(
        "/api/v1/auth/request-access",
        {"email": EMAIL, "firstName": "Rita", "lastName": "Sousa", "message": "Summer 2024.", "language": language},
    )
    assert asked.status_code == 202
    assert [m.to for m in mail.outbox] == [[EMAIL]]

    # Staff sign in and find the request counted on the index.
    journey.open("/admin/login/")
    browser.add_cookie({"name": "django_language", "value": language, "path": "/"})
    journey.open("/admin/login/")
    browser.find_element(By.NAME, "username").send_keys("staff@example.org")
    browser.find_element(By.NAME, "password").send_keys("a-long-pass-phrase")
    browser.find_element(By.NAME, "otp_token").send_keys(factories.totp_code(device))
    submit(browser.find_element(By.CSS_SELECTOR, "input[type=submit]"))
    wait.until(ec.presence_of_element_located((By.ID, "access-requests")))
    assert "1" in browser.find_element(By.ID, "access-requests").text
    journey.check("admin-index")

    # The queue, then the request's page: a group and a gathering for the approval to give.
    submit(browser.find_element(By.CSS_SELECTOR, "#access-requests caption a"))
    assert "Summer 2024." in browser.find_element(By.ID, "result_list").text
    journey.check("queue")
    request = AccessRequest.objects.get(email=EMAIL)
    journey.open(reverse("admin:accounts_accessrequest_change", args=[request.pk]))
    wait.until(ec.presence_of_element_located((By.ID, "id_groups")))
    # Both fields are autocompletes (select2): a choice is made as select2 makes it.
    for field, obj in (("id_groups", group), ("id_gatherings", gathering)):
        browser.execute_script(
            "const s = document.getElementById(arguments[0]);"
            "s.add(new Option(arguments[2], arguments[1], true, true)); s.dispatchEvent(new Event('change'));",
            field,
            str(obj.pk),
            obj.name,
        )
    journey.check("request-page")
    submit(browser.find_element(By.NAME, "_save"))
    assert list(request.groups.all()) == [group] and list(request.gatherings.all()) == [gathering]

    # Approve it from the queue.
    browser.find_element(By.CSS_SELECTOR, f"input[name=_selected_action][value='{request.pk}']").click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("approve")
    submit(browser.find_element(By.CSS_SELECTOR, "button[name=index]"))
    message = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li.success")))
    assert message.text == APPROVED[language]
    journey.check("approved")
    user = User.objects.get(email=EMAIL)
    assert user.memberships.filter(group=group).exists()
    assert Attendance.objects.filter(user=user, gathering=gathering, source="granted").exists()

    # The welcome mail, then a sign-in code read from the mail outbox.
    welcome = mail.outbox[-1]
    assert welcome.to == [EMAIL] and welcome.extra_headers["Content-Language"] == language
    assert api.post("/api/v1/auth/email-code", {"email": EMAIL}).status_code == 202
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    signed_in = api.post(
        "/api/v1/auth/email-code/verify",
        {"email": EMAIL, "code": code, "device": {"name": "Rita's iPhone", "platform": "ios", "appVersion": "3.1.0"}},
    )
    assert signed_in.status_code == 200
    tokens = signed_in.json()

    # The device is listed, then revoked; its refresh token is refused.
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['accessToken']}")
    devices = api.get("/api/v1/user/devices").json()["devices"]
    assert [(d["name"], d["platform"], d["current"]) for d in devices] == [("Rita's iPhone", "ios", True)]
    assert api.delete(f"/api/v1/user/devices/{devices[0]['id']}").status_code == 204
    api.credentials()
    refused = api.post("/api/v1/auth/refresh", {"refreshToken": tokens["refreshToken"]})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_token"

    # Staff see the revoked device on the user's page.
    journey.open(reverse("admin:accounts_user_change", args=[user.pk]))
    wait.until(ec.presence_of_element_located((By.ID, "content-main")))
    devices_table = browser.find_element(By.ID, "devices-group")
    assert "Rita's iPhone" in devices_table.text
    browser.execute_script("arguments[0].scrollIntoView()", devices_table)
    journey.check("user-page")
