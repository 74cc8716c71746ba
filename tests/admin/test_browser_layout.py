"""A real browser (Debian's Chromium, headless) at 1366 px, as retreat staff use the admin: the
demo's gathering list and gathering page fit the screen, and the Portuguese dashboard draws its
charts without a console error (a decimal comma in an SVG coordinate logs one per shape)."""

import shutil

import pytest
from django.urls import reverse

from demo import catalogue as demo
from retreats.models import Retreat
from tests import factories
from tests.conftest import require
from tests.support import chromium, chromium_installed, console_errors

pytestmark = pytest.mark.browser

WIDTH = 1366

# Widest right edge of any table on the page, and whether the page itself scrolls sideways.
MEASURE_JS = """
const tables = [...document.querySelectorAll('table')].filter(t => t.offsetParent !== null);
return {
  pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
  scrollWidth: document.documentElement.scrollWidth,
  // a list's action menu stays beside the filter sidebar, not over it
  actionsRight: Math.max(0, ...[...document.querySelectorAll('#changelist .actions select')]
    .map(s => s.getBoundingClientRect().right)),
  listRight: (document.querySelector('#changelist .changelist-form-container') || document.body)
    .getBoundingClientRect().right,
  tables: tables.map(t => ({id: t.id, right: t.getBoundingClientRect().right,
                            // how much wider than its box the table is (0 when it fits)
                            excess: Math.max(0, t.parentElement.scrollWidth - t.parentElement.clientWidth),
                            overflows: t.parentElement.scrollWidth > t.parentElement.clientWidth + 1})),
};
"""


@pytest.fixture
def browser():
    require(chromium_installed(), "Debian chromium and chromium-driver")
    with chromium(width=WIDTH, page_load_timeout=60) as driver:
        yield driver


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
        assert console_errors(browser) == [], path


def test_the_portuguese_dashboard_draws_every_chart_without_a_console_error(staff_browser):
    from selenium.webdriver.common.by import By

    browser = staff_browser(reverse("dashboard:index"), "pt")

    assert browser.title.startswith("Painel")
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg[role=img]")
    assert len(charts) == 9 and all(chart.size["height"] > 40 for chart in charts)
    bars = browser.find_elements(By.CSS_SELECTOR, "figure.chart rect.bar")
    assert bars and all(bar.size["width"] > 0 for bar in bars)
    assert console_errors(browser) == []


def _a_few_rows_of_everything():
    """The demo has no row of some models (bookmarks, uploads, notifications...): one or two of
    each, with the longest values staff meet, so every list has rows to measure."""
    from auditlog.models import LogEntry
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import AccessRequest, Device, User
    from media.models import Upload
    from notifications.models import DigestSubscription, LocalPush, Notification, NotificationEvent, PushEndpoint
    from progress.models import Bookmark, Highlight
    from retreats.models import Track

    user = User.objects.filter(is_staff=False).first()
    track = Track.objects.select_related("session__retreat").order_by("pk").first()
    Group.objects.get_or_create(name="Retreat staff")
    LogEntry.objects.log_create(track.session.retreat, action=LogEntry.Action.UPDATE, changes={"name": ["A", "B"]})
    Bookmark.objects.create(user=user, track=track, position=125.5, note="Come back to this " * 10)
    Highlight.objects.create(user=user, track=track, page=2, text="A passage " * 20, note="Why it matters")
    Upload.objects.create(
        session=track.session, filename="001 JKR - The daily practice in three parts-(17 April AM).mp3",
        size=48_000_000, key="staging/abc", status=Upload.Status.UPLOADED, created_by=user,
    )  # fmt: skip
    event = NotificationEvent.objects.create(
        key=f"new_gathering:{track.session.retreat.pk}", kind="new_gathering", retreat=track.session.retreat,
        state="sent", notified_count=1200, pushed_count=950, push_failed_count=12, attempts=1,
        finished_at=timezone.now(),
    )  # fmt: skip
    Notification.objects.create(
        user=user, event=event, event_key=event.key, type="new_gathering",
        title=f"New gathering: {track.session.retreat.name}", message="Listen now",
    )  # fmt: skip
    device = Device.objects.create(user=user, platform="ios", push_token="f" * 64)
    PushEndpoint.objects.create(
        device=device, endpoint_arn="arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/padmakara/" + "a" * 36,
        disabled_at=timezone.now(), disabled_reason="The provider said the token is no longer registered",
    )  # fmt: skip
    DigestSubscription.objects.create(user=user, last_sent_at=timezone.now())
    LocalPush.objects.create(platform="ios", token="f" * 64, title="New gathering", body="Listen now")
    Device.objects.create(
        user=user, name="Maria's iPad Pro (12.9-inch, 6th generation)", platform="ios", app_version="3.12.0-beta.4",
        session="b" * 36,
    )  # fmt: skip
    AccessRequest.objects.create(
        email="maria.conceicao.vasconcelos@example.org", first_name="Maria da Conceição", last_name="Vasconcelos",
        message="I attended the summer retreats in Lisbon from 2019 to 2024 and would like to listen again. " * 4,
        language="pt",
    )  # fmt: skip
    from library.models import Book
    from tests import factories

    factories.make_subscription_rows(user)
    Book.objects.create(
        title="The Words of My Perfect Teacher: A Complete Translation of a Classic Introduction to Tibetan Buddhism",
        authors="Patrul Rinpoche, Padmakara Translation Group",
        pdf_file="books/pdfs/words.pdf",
    )
    from media.models import ArchiveImport

    ArchiveImport.objects.create(
        source="s3://padmakara-archive/Retiros/2017/", csv_name="website-export-2017-11.csv",
        status=ArchiveImport.Status.PLANNED, files_total=1284, created_by=user,
    )  # fmt: skip


def _fits(browser, path) -> list:
    """What does not fit at 1366 px on the page (nothing when it all fits), and its console errors."""
    measured = browser.execute_script(MEASURE_JS)
    problems = [(path, "page", measured["scrollWidth"])] if measured["pageScrolls"] else []
    if measured["actionsRight"] > measured["listRight"]:
        problems.append((path, "actions", round(measured["actionsRight"]), round(measured["listRight"])))
    problems += [
        (path, table["id"], round(table["right"]), round(table["excess"]))
        for table in measured["tables"]
        if table["right"] > WIDTH or table["overflows"]
    ]
    return problems + [(path, error) for error in console_errors(browser)]


@pytest.mark.parametrize("language", ["en", "pt"])
def test_every_list_and_the_main_pages_fit_1366_pixels_without_a_console_error(staff_browser, language):
    """Every model's list in the admin, with rows, beside the navigation and filter sidebars; and
    the change page of the models staff edit most."""
    from django.contrib import admin

    from accounts.models import User
    from retreats.models import RetreatGroup, Track, Transcript

    _a_few_rows_of_everything()
    paths = []
    for model in admin.site._registry:
        paths.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        assert model._default_manager.exists(), model  # the list has rows to measure
    for model in (Retreat, RetreatGroup, Track, Transcript, User):
        instance = model._default_manager.order_by("pk").first()
        paths.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[instance.pk]))
        paths.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))

    problems = []
    for path in paths:
        problems += _fits(staff_browser(path, language), path)

    assert problems == [], "\n".join(map(str, problems))
