"""Plain helpers the test folders share (the fixtures built on them are in tests/conftest.py).

Under pytest-xdist every worker is a process of its own with its own test database
(pytest-django names it ``test_<name>_gw<N>``); what lives outside the process is split
here: loopback ports are picked free by the kernel, and each worker has its own Redis
database, so that one worker's FLUSHDB or Celery queue never meets another's.
"""

import contextlib
import os
import socket
from urllib.parse import urlsplit

import boto3

AWS_REGION = "eu-west-1"
# Credentials moto accepts; set for this process too so that clients built by the code
# under test (django-storages, django-ses, the Cognito provider) find some.
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": AWS_REGION,
}
REDIS_DATABASES = 16  # Redis's default `databases`


def xdist_worker() -> int:
    """This process's pytest-xdist worker number (``gw3`` is 3); 0 without xdist."""
    name = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(name[2:]) if name.startswith("gw") else 0


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _redis_base():
    return urlsplit(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))


def redis_address() -> tuple[str, int]:
    base = _redis_base()
    return base.hostname or "127.0.0.1", base.port or 6379


def redis_db() -> int:
    """This worker's Redis database: TEST_REDIS_URL's (default 15), counting down one per
    xdist worker (gw0 15, gw1 14, ...)."""
    first = int(_redis_base().path.lstrip("/") or 0)
    return (first - xdist_worker()) % REDIS_DATABASES


def redis_url(*, port: int | None = None) -> str:
    """The URL of this worker's Redis database; ``port`` reaches it through a proxy on loopback."""
    host, real_port = redis_address()
    if port is not None:
        host = "127.0.0.1"
    return f"redis://{host}:{port or real_port}/{redis_db()}"


def redis_up() -> bool:
    return reachable(*redis_address())


def aws_client(service: str, endpoint: str, **kwargs):
    """A boto3 client of moto's server (the ``moto_endpoint`` fixture) with test credentials."""
    return boto3.client(
        service,
        region_name=kwargs.pop("region_name", AWS_REGION),
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **kwargs,
    )


# --- The real browser: Debian's Chromium, headless ------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


@contextlib.contextmanager
def chromium(*, width: int = 1366, height: int = 900, page_load_timeout: int = 90):
    """A headless Chromium driven by selenium, at ``width`` × ``height``, keeping the browser's
    console log (:func:`console_errors`). Needs Debian's chromium and chromium-driver (``.ci/run``
    installs them); the caller checks they are there (``require``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", f"--window-size={width},{height}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(page_load_timeout)
    try:
        yield driver
    finally:
        driver.quit()


def chromium_installed() -> bool:
    return os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)


def console_errors(driver) -> list[str]:
    """Errors the page logged (its scripts and requests), since the last call; the browser's own
    guess at /favicon.ico aside."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "/favicon.ico " not in entry["message"]
    ]
