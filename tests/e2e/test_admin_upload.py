"""The real browser: Debian's Chromium, headless, logs into the admin (password and TOTP
code), drops three audio files on a session's upload page, saves the guesses and sees three
processed tracks."""

import os
import shutil

import pytest

from tests import factories
from tests.conftest import require

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver")

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
    require(os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER), "Debian chromium and chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-dev-shm-usage", "--window-size=1400,1000"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    if os.environ.get("BROWSER_SCREENSHOT"):
        driver.save_screenshot(os.environ["BROWSER_SCREENSHOT"])
        print(driver.get_log("browser") if hasattr(driver, "get_log") else "")
    driver.quit()


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
    browser, live_server, storage_mode, make_audio, tmp_path
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
    translation = rows[1]
    assert translation.find_element(By.NAME, "language").get_attribute("value") == "pt"
    assert translation.find_element(By.NAME, "originalOrder").get_attribute("value") == "1"
    title = rows[2].find_element(By.NAME, "title")
    title.clear()
    title.send_keys("Taking refuge")  # staff correct a guess before saving
    browser.find_element(By.ID, "save-uploads").click()

    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#session-tracks tbody tr[data-status=ready]")) == 3)
    cells = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#session-tracks tbody tr")]
    assert any("Taking refuge" in text for text in cells)
    assert session.tracks.filter(processing_status="ready", duration__gt=1).count() == 3
    if storage_mode == "s3":
        from media.models import Upload

        assert all(u.s3_upload_id for u in Upload.objects.all())  # the bytes went browser → S3
