"""A real browser (Debian's Chromium, headless) at 1366 px, as retreat staff use the admin: the
demo's gathering list and gathering page fit the screen, and the Portuguese dashboard draws its
charts without a console error (a decimal comma in an SVG coordinate logs one per shape)."""

import shutil
from pathlib import Path

import pytest
from django.urls import reverse

from demo import catalogue as demo
from retreats.models import Retreat
from tests import factories
from tests.conftest import require

pytestmark = pytest.mark.browser

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WIDTH = 1366

# Widest right edge of any table on the page, and whether the page itself scrolls sideways.
MEASURE_JS = """
const tables = [...document.querySelectorAll('table')].filter(t => t.offsetParent !== null);
return {
  pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
  tables: tables.map(t => ({id: t.id, right: t.getBoundingClientRect().right,
                            overflows: t.parentElement.scrollWidth > t.parentElement.clientWidth + 1})),
};
"""


@pytest.fixture
def browser():
    require(
        Path(CHROMIUM).exists() and shutil.which(CHROMEDRIVER),
        "Chromium and chromedriver (apt: chromium chromium-driver)",
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", f"--window-size={WIDTH},900",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def staff_browser(browser, live_server, client, staff, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo.load_demo_content(ffmpeg=shutil.which("ffmpeg"))
    factories.admin_login(client, staff)
    browser.get(f"{live_server.url}/admin/login/")
    browser.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value, "path": "/"})

    def open_page(path: str, language: str):
        browser.add_cookie({"name": "django_language", "value": language, "path": "/"})
        browser.get(f"{live_server.url}{path}")
        return browser

    return open_page


def _console_errors(browser) -> list[str]:
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.parametrize("language", ["en", "pt"])
def test_the_gathering_list_and_page_fit_1366_pixels(staff_browser, language):
    gathering = Retreat.objects.get(slug="spring-gathering-2024")  # the most sessions

    for path in (
        reverse("admin:retreats_retreat_changelist"),
        reverse("admin:retreats_retreat_change", args=[gathering.pk]),
        reverse("admin:retreats_session_change", args=[gathering.sessions.order_by("order").first().pk]),
    ):
        browser = staff_browser(path, language)
        measured = browser.execute_script(MEASURE_JS)

        assert measured["tables"], path
        assert not measured["pageScrolls"], path
        for table in measured["tables"]:
            assert table["right"] <= WIDTH and not table["overflows"], (path, table)
        assert _console_errors(browser) == [], path


def test_the_portuguese_dashboard_draws_every_chart_without_a_console_error(staff_browser):
    from selenium.webdriver.common.by import By

    browser = staff_browser(reverse("dashboard:index"), "pt")

    assert browser.title.startswith("Painel")
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg[role=img]")
    assert len(charts) == 7 and all(chart.size["height"] > 40 for chart in charts)
    bars = browser.find_elements(By.CSS_SELECTOR, "figure.chart rect.bar")
    assert bars and all(bar.size["width"] > 0 for bar in bars)
    assert _console_errors(browser) == []
