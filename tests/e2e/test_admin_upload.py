"""The real browser: Debian's Chromium, headless, at 1366 px, logs into the admin (password and
TOTP code), drops three audio files on a session's upload page, saves the guesses and follows
them live from waiting to three processed tracks, with no error in the console."""

import re
import threading

import pytest

from tests import factories
from tests.conftest import require
from tests.support import chromium, chromium_installed, console_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


# Drops the files chosen in a scratch <input> on the drop zone, as a drag from the desktop does.
DROP_JS = """
const [input, zone] = arguments;
const data = new DataTransfer();
for (const file of input.files) data.items.add(file);
zone.dispatchEvent(new DragEvent('dragenter', {dataTransfer: data, bubbles: true}));
zone.dispatchEvent(new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));
"""


@pytest.fixture
def browser():
    require(chromium_installed(), "Debian chromium and chromium-driver")
    with chromium(page_load_timeout=60) as driver:
        yield driver


@pytest.fixture(params=["local", "s3"])
def storage_mode(request, live_server):
    """Local mode (chunks to the app) and S3 mode (presigned parts PUT by the browser to moto)."""
    if request.param == "s3":
        s3 = request.getfixturevalue("s3")
        # What production's bucket needs too: PUT from the admin's origin, ETag readable by the page.
        s3.put_bucket_cors(
            Bucket=s3.bucket,
            CORSConfiguration={"CORSRules": [{"AllowedOrigins": [live_server.url], "AllowedMethods": ["PUT", "GET"],
                                              "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"]}]},
        )  # fmt: skip
    return request.param


def test_it_uploads_three_files_and_shows_three_processed_tracks(
    browser, live_server, storage_mode, make_audio, tmp_path, settings
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    staff = factories.make_user(
        email="staff@example.org", password="a-long-pass-phrase", is_staff=True, is_superuser=True
    )
    device = factories.make_admin_device(staff)  # the admin asks staff for a TOTP code too
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    session = factories.make_session(factories.make_retreat(slug="spring-2024"), name="Day 1 morning")
    names = [
        "001 JKR - The daily practice in three parts-(17 April AM).mp3",
        "001 TRAD - A pratica diaria em tres partes.mp3",
        "002 JKR - Refuge.mp3",
    ]
    paths = []
    for i, name in enumerate(names):
        path = tmp_path / name
        path.write_bytes(make_audio(2, frequency=300 + 100 * i))
        paths.append(str(path))
    wait = WebDriverWait(browser, 90)
    # As in `make run`: jobs run in a thread after the save has answered. The pool's one thread
    # is held until the page has shown the files waiting, then let go.
    from media import jobs

    settings.MEDIA_JOBS_IN_THREAD, settings.MEDIA_JOBS_THREADS = True, 1
    jobs._pool = None
    release = threading.Event()
    jobs._thread_pool().submit(release.wait)

    browser.get(f"{live_server.url}/admin/login/?next=/admin/media/upload/session/{session.pk}/upload/")
    browser.find_element(By.NAME, "username").send_keys("staff@example.org")
    browser.find_element(By.NAME, "password").send_keys("a-long-pass-phrase")
    browser.find_element(By.NAME, "otp_token").send_keys(factories.totp_code(device))
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    zone = wait.until(ec.presence_of_element_located((By.ID, "dropzone")))
    scratch = browser.execute_script(
        "const i = document.createElement('input'); i.type = 'file'; i.multiple = true; i.id = 'scratch';"
        "document.body.appendChild(i); return i;"
    )
    scratch.send_keys("\n".join(paths))
    browser.execute_script(DROP_JS, scratch, zone)

    wait.until(ec.visibility_of_element_located((By.ID, "review")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#review-rows tbody tr")
    assert len(rows) == 3
    # The review table fits the screen: nothing to scroll sideways.
    assert browser.execute_script(
        "const t = document.getElementById('review-rows'); return t.getBoundingClientRect().right"
    ) <= browser.execute_script("return document.documentElement.clientWidth")
    assert not browser.find_element(By.ID, "review-errors").is_displayed()
    translation = rows[1]
    assert translation.find_element(By.NAME, "language").get_attribute("value") == "pt"
    assert translation.find_element(By.NAME, "originalOrder").get_attribute("value") == "1"
    title = rows[2].find_element(By.NAME, "title")
    title.clear()
    title.send_keys("Taking refuge")  # staff correct a guess before saving
    browser.find_element(By.ID, "save-uploads").click()

    try:
        # The save has answered: its message shows at once, and the three files wait.
        wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#upload-messages li.success")))
        assert browser.find_element(By.CSS_SELECTOR, "#upload-messages li").text.startswith("Saved: 3 tracks")
        wait.until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#session-tracks tbody tr[data-status=pending]")) == 3
        )
        assert {c.text for c in browser.find_elements(By.CSS_SELECTOR, "#session-tracks td.status")} == {"Waiting"}
    finally:
        release.set()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#session-tracks tbody tr[data-status=ready]")) == 3)
    jobs._pool.shutdown(wait=True)
    jobs._pool = None
    assert {c.text for c in browser.find_elements(By.CSS_SELECTOR, "#session-tracks td.status")} == {"Ready"}
    cells = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#session-tracks tbody tr")]
    assert any("Taking refuge" in text for text in cells)
    # Durations as h:mm:ss and languages by name, as in the rest of the admin.
    assert all(re.search(r"\b0:00:0[1-3]\b", text) for text in cells), cells
    assert any("Portuguese" in text for text in cells) and any("English" in text for text in cells)
    assert session.tracks.filter(processing_status="ready", duration__gt=1).count() == 3
    if storage_mode == "s3":
        from media.models import Upload

        assert all(u.s3_upload_id for u in Upload.objects.all())  # the bytes went browser → S3
    assert console_errors(browser) == []


def test_a_gathering_folder_becomes_sessions_reviewed_before_they_are_created(
    browser, live_server, make_audio, tmp_path
):
    """The folder is chosen with the page's folder picker (webkitdirectory): its two sub-folders
    are proposed as sessions, one is corrected, both are created, and each session's file is
    uploaded, reviewed and saved in turn."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    staff = factories.make_user(
        email="staff@example.org", password="a-long-pass-phrase", is_staff=True, is_superuser=True
    )
    device = factories.make_admin_device(staff)  # the admin asks staff for a TOTP code too
    factories.make_teacher(name="Jigme Khyentse Rinpoche", abbreviation="JKR")
    retreat = factories.make_retreat(slug="spring-2024", status="draft")
    folder = tmp_path / "Spring 2024"
    for sub, name, frequency in (
        ("2024-05-12 AM", "001 JKR - Refuge.mp3", 300),
        ("12 Maio tarde", "001 JKR - Bodhicitta.mp3", 500),
    ):
        (folder / sub).mkdir(parents=True)
        (folder / sub / name).write_bytes(make_audio(1, frequency=frequency))
    wait = WebDriverWait(browser, 90)

    browser.get(f"{live_server.url}/admin/login/?next=/admin/media/upload/gathering/{retreat.pk}/upload/")
    browser.find_element(By.NAME, "username").send_keys("staff@example.org")
    browser.find_element(By.NAME, "password").send_keys("a-long-pass-phrase")
    browser.find_element(By.NAME, "otp_token").send_keys(factories.totp_code(device))
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait.until(ec.presence_of_element_located((By.ID, "media-files"))).send_keys(str(folder))

    wait.until(ec.visibility_of_element_located((By.ID, "folder-sessions")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#folder-session-rows tbody tr")
    assert [r.get_attribute("data-folder") for r in rows] == ["2024-05-12 AM", "12 Maio tarde"]
    assert [r.find_element(By.NAME, "type").get_attribute("value") for r in rows] == ["morning", "afternoon"]
    assert rows[1].find_element(By.NAME, "date").get_attribute("value") == "2024-05-12"
    name = rows[0].find_element(By.NAME, "name")
    name.clear()
    name.send_keys("Day 1 morning")  # staff correct a proposal before creating it
    browser.find_element(By.ID, "create-sessions").click()

    def reviewing(session_name):
        # The next session's review may follow the last one's save within one poll of the wait,
        # so wait for the review of this session rather than for the previous one to go.
        def check(driver):
            review = driver.find_element(By.ID, "review")
            return review.is_displayed() and session_name in driver.find_element(By.ID, "current-session").text

        return check

    for expected in ("Day 1 morning", "12 Maio tarde"):
        wait.until(reviewing(expected))
        browser.find_element(By.ID, "save-uploads").click()
    wait.until(lambda d: retreat.sessions.filter(tracks__processing_status="ready").count() == 2)
    sessions = list(retreat.sessions.order_by("order").values_list("name", "type", "date"))
    assert [(n, t, str(d)) for n, t, d in sessions] == [
        ("Day 1 morning", "morning", "2024-05-12"),
        ("12 Maio tarde", "afternoon", "2024-05-12"),
    ]
    assert console_errors(browser) == []
