"""The staff journey, in English and in Portuguese, in the real browser (Debian's Chromium,
headless, 1366 × 900): sign in with the password and a TOTP code, create a gathering in a
retreat group, give it a session, upload two recordings and a transcript, watch them become
ready, publish the gathering, open a track and a transcript, check what listeners see, and end
on the dashboard. Every page is photographed under test-artifacts/, logs no console error, and
neither scrolls sideways nor holds a table wider than the screen."""

import threading
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories
from tests.conftest import require
from tests.support import chromium, chromium_installed, console_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1366
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WAIT_SECONDS = 120  # generous: the machine may be busy with other test runs

# Drops the files chosen in a scratch <input> on the drop zone, as a drag from the desktop does.
DROP_JS = """
const [input, zone] = arguments;
const data = new DataTransfer();
for (const file of input.files) data.items.add(file);
zone.dispatchEvent(new DragEvent('dragenter', {dataTransfer: data, bubbles: true}));
zone.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
"""

# The page's width, and the right edge of every table shown (none may pass the screen's edge).
MEASURE_JS = """
return {
  scrollWidth: document.documentElement.scrollWidth,
  tables: [...document.querySelectorAll('table')].filter(t => t.offsetParent !== null)
    .map(t => ({id: t.id || t.className, right: t.getBoundingClientRect().right,
                scrolls: t.parentElement.scrollWidth > t.parentElement.clientWidth + 1})),
};
"""


@pytest.fixture
def browser():
    require(chromium_installed(), "Debian chromium and chromium-driver")
    with chromium(width=WIDTH) as driver:
        yield driver


@pytest.fixture
def media_jobs_in_a_thread(settings):
    """As in `make run`: processing runs in a thread after the save has answered, so the upload
    page shows the files waiting, then ready."""
    from media import jobs

    settings.MEDIA_JOBS_IN_THREAD, settings.MEDIA_JOBS_THREADS = True, 1
    jobs._pool = None
    yield
    if jobs._pool is not None:
        jobs._pool.shutdown(wait=True)
    jobs._pool = None


class Journey:
    """Each page of the journey: photographed, and checked for width and console errors."""

    def __init__(self, browser, live_server, language: str, name: str = "journey"):
        self.browser, self.url, self.language, self.step, self.name = browser, live_server.url, language, 0, name
        ARTIFACTS.mkdir(exist_ok=True)

    def open(self, path: str):
        self.browser.get(f"{self.url}{path}")

    def check(self, page: str) -> None:
        self.step += 1
        self.browser.save_screenshot(str(ARTIFACTS / f"{self.name}-{self.language}-{self.step:02d}-{page}.png"))
        measured = self.browser.execute_script(MEASURE_JS)
        where = f"{page} ({self.browser.current_url})"
        assert measured["scrollWidth"] <= WIDTH, where
        for table in measured["tables"]:
            assert table["right"] <= WIDTH and not table["scrolls"], (where, table)
        assert console_errors(self.browser) == [], where
        assert self.browser.find_element("tag name", "html").get_attribute("lang") == self.language, where


@pytest.mark.parametrize("language", ["en", "pt"])
def test_the_staff_journey(browser, live_server, language, make_audio, make_pdf, tmp_path, media_jobs_in_a_thread):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from retreats.models import Retreat, Track, Transcript

    staff = factories.make_user(
        email="staff@example.org", password="a-long-pass-phrase", is_staff=True, is_superuser=True
    )
    device = factories.make_admin_device(staff)
    group = factories.make_group(name="Mind Training Series", slug="mind-training")
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    listener = factories.make_user(email="listener@example.org")
    files = {
        "001 JKR - Refuge.mp3": make_audio(2, frequency=300),
        "002 JKR - Bodhicitta.mp3": make_audio(2, frequency=500),
        "001 JKR - Refuge.pdf": make_pdf(),
    }
    paths = []
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    wait = WebDriverWait(browser, WAIT_SECONDS)
    journey = Journey(browser, live_server, language)

    def save_and_continue():
        """Save and continue editing, then wait for the next page: the page being left may
        show a success message of its own (the gathering's page after its creation)."""
        page = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.NAME, "_continue").click()
        wait.until(ec.staleness_of(page))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "ul.messagelist li.success")))

    # Sign in, in the staff's language (the language switch's cookie).
    journey.open("/admin/login/")
    browser.add_cookie({"name": "django_language", "value": language, "path": "/"})
    journey.open("/admin/login/")
    journey.check("sign-in")
    browser.find_element(By.NAME, "username").send_keys("staff@example.org")
    browser.find_element(By.NAME, "password").send_keys("a-long-pass-phrase")
    browser.find_element(By.NAME, "otp_token").send_keys(factories.totp_code(device))
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait.until(ec.staleness_of(page))
    wait.until(ec.presence_of_element_located((By.ID, "content-main")))
    assert browser.current_url.rstrip("/").endswith("/admin")
    journey.check("admin-index")

    # A new gathering in its retreat group.
    journey.open(reverse("admin:retreats_retreat_add"))
    wait.until(ec.presence_of_element_located((By.ID, "id_name"))).send_keys("Spring Gathering 2030")
    browser.find_element(By.ID, "id_start_date").send_keys("2030-04-12")
    browser.find_element(By.ID, "id_end_date").send_keys("2030-04-14")
    # The groups field is an autocomplete (select2): its choice is made as select2 makes it.
    browser.execute_script(
        "const s = document.getElementById('id_groups');"
        "s.add(new Option(arguments[1], arguments[0], true, true)); s.dispatchEvent(new Event('change'));",
        str(group.pk),
        group.name,
    )
    wait.until(lambda d: d.find_element(By.ID, "id_slug").get_attribute("value") == "spring-gathering-2030")
    journey.check("gathering-add")
    save_and_continue()
    gathering = Retreat.objects.get(slug="spring-gathering-2030")
    assert list(gathering.groups.all()) == [group] and gathering.status == "draft"
    journey.check("gathering-page")

    # Its first session, added in the gathering's sessions table.
    browser.find_element(By.CSS_SELECTOR, "#sessions-group tr.add-row a").click()
    wait.until(ec.visibility_of_element_located((By.NAME, "sessions-0-name"))).send_keys("Day 1 morning")
    Select(browser.find_element(By.NAME, "sessions-0-type")).select_by_value("morning")
    save_and_continue()
    session = gathering.sessions.get()
    assert session.name == "Day 1 morning"
    journey.check("gathering-with-session")

    # Its upload page: two recordings and their transcript, dropped, reviewed, saved.
    upload_page = reverse("admin:media_session_upload", args=[session.pk])
    browser.find_element(By.CSS_SELECTOR, f"#sessions-group a.button[href='{upload_page}']").click()
    zone = wait.until(ec.presence_of_element_located((By.ID, "dropzone")))
    journey.check("upload-page")
    scratch = browser.execute_script(
        "const i = document.createElement('input'); i.type = 'file'; i.multiple = true; i.id = 'scratch';"
        "i.style.display = 'none'; document.body.appendChild(i); return i;"
    )
    scratch.send_keys("\n".join(paths))
    # The pool's one thread is held until the page has shown the files waiting.
    from media import jobs

    release = threading.Event()
    jobs._thread_pool().submit(release.wait)
    try:
        browser.execute_script(DROP_JS, scratch, zone)
        wait.until(ec.visibility_of_element_located((By.ID, "review")))
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#review-rows tbody tr")) == 3)
        assert not browser.find_element(By.ID, "review-errors").is_displayed()
        journey.check("upload-review")
        browser.find_element(By.ID, "save-uploads").click()
        wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#upload-messages li.success")))
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#session-tracks tbody tr[data-status=pending]"))
        journey.check("upload-saved-waiting")
    finally:
        release.set()
    # Both recordings and the transcript (a row each) turn ready on the page, live.
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#session-tracks tbody tr[data-status=ready]")) == 3)
    assert Transcript.objects.filter(track__session=session, status="ready").count() == 1
    journey.check("upload-ready")
    assert Track.objects.filter(session=session, processing_status="ready").count() == 2

    # Published from the gathering's page.
    journey.open(reverse("admin:retreats_retreat_change", args=[gathering.pk]))
    Select(wait.until(ec.presence_of_element_located((By.ID, "id_status")))).select_by_value("published")
    save_and_continue()
    gathering.refresh_from_db()
    assert gathering.status == "published" and gathering.published_at
    journey.check("gathering-published")

    # A track with its player, and its transcript.
    track = Track.objects.get(session=session, order=1)
    journey.open(reverse("admin:retreats_track_change", args=[track.pk]))
    player = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "audio")))
    assert player.get_attribute("src") or player.find_elements(By.TAG_NAME, "source")
    journey.check("track")
    transcript = Transcript.objects.get(track__session=session)
    assert transcript.track == track
    journey.open(reverse("admin:retreats_transcript_change", args=[transcript.pk]))
    wait.until(ec.presence_of_element_located((By.ID, "content-main")))
    journey.check("transcript")

    # What listeners see: the catalogue lists the gathering in its group.
    api = APIClient()
    api.force_authenticate(listener)
    catalogue = api.get("/api/v1/content/retreats", {"language": language}).json()
    listed = {g["name"] for rg in catalogue["retreatGroups"] for g in rg["gatherings"] if rg["id"] == str(group.uuid)}
    assert listed == {"Spring Gathering 2030"}

    journey.open(reverse("dashboard:index"))
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "figure.chart svg")))
    journey.check("dashboard")
    assert journey.step == 13
