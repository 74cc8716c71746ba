"""A real browser (Debian's Chromium, headless) opens the dashboard; the screenshot is kept
in test-artifacts/ for people to look at."""

from pathlib import Path

import pytest

from tests import factories
from tests.conftest import require
from tests.support import chromium, chromium_installed

from .data import make_listening

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def browser():
    require(chromium_installed(), "Debian chromium and chromium-driver")
    with chromium(width=1400, height=2200, page_load_timeout=60) as driver:
        yield driver


def _failures():
    import datetime

    from django.utils import timezone

    from media.models import DownloadBundle
    from retreats.models import Track

    Track.objects.filter(pk__in=Track.objects.order_by("pk").values("pk")[:2]).update(
        processing_status="failed", processing_error="ffprobe: moov atom not found (the upload was cut short)"
    )
    expires = timezone.now() + datetime.timedelta(days=1)
    for n, status in enumerate(["ready"] * 14 + ["failed"] * 2 + ["expired"] * 5):
        DownloadBundle.objects.create(
            request_key=f"shot{n}",
            status=status,
            expires_at=expires,
            error="No space left on device" * (status == "failed"),
        )


def test_it_shows_the_dashboard_in_a_real_browser(browser, live_server, client, staff, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    make_listening(users=120, sessions_per_user=12, seed=11)
    _failures()
    factories.admin_login(client, staff)
    browser.get(f"{live_server.url}/admin/login/")
    browser.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value, "path": "/"})

    browser.get(f"{live_server.url}/admin/dashboard/")

    from selenium.webdriver.common.by import By

    assert browser.title.startswith("Dashboard")
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert len(charts) >= 6 and all(chart.size["height"] > 40 for chart in charts)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "dashboard.png"
    browser.find_element(By.TAG_NAME, "body").screenshot(str(path))
    assert path.stat().st_size > 20_000
