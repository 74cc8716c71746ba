"""The bundle's nginx.conf, run by a real nginx in front of the Procfile's gunicorn.

The platform's generated pieces (the proxy location) are written here the way Elastic
Beanstalk writes them; paths and the port are moved into a scratch folder.
"""

import gzip
import http.client
import re
import shutil
import subprocess

import pytest

from tests.conftest import _reachable, require
from tests.support import free_port

from .conftest import http_get, stop, wait_for

EB_APPLICATION_LOCATION = """
location / {
    proxy_pass          http://127.0.0.1:%(port)s;
    proxy_http_version  1.1;

    proxy_set_header    Connection          $connection_upgrade;
    proxy_set_header    Upgrade             $http_upgrade;
    proxy_set_header    Host                $host;
    proxy_set_header    X-Real-IP           $remote_addr;
    proxy_set_header    X-Forwarded-For     $proxy_add_x_forwarded_for;
}
"""


def _nginx_binary() -> str:
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    require(binary is not None, "nginx (apt-get install nginx-light)")
    return binary


def _prefix(bundle_dir, folder, *, listen_port: int, upstream_port: int):
    conf = (bundle_dir / ".platform/nginx/nginx.conf").read_text()
    conf = re.sub(r"^user\s+\S+;\n", "", conf, flags=re.MULTILINE)  # the test runs unprivileged or as root
    conf = conf.replace("/var/log/nginx/", f"{folder}/").replace("/var/run/nginx.pid", f"{folder}/nginx.pid")
    conf = conf.replace("listen        80 default_server;", f"listen        127.0.0.1:{listen_port} default_server;")
    assert f"127.0.0.1:{listen_port}" in conf, "the listen line of nginx.conf changed; update this test"
    assert "proxy_pass          http://127.0.0.1:8000;" in conf, "the /api/ proxy line changed; update this test"
    conf = conf.replace("http://127.0.0.1:8000;", f"http://127.0.0.1:{upstream_port};")
    (folder / "conf.d" / "elasticbeanstalk").mkdir(parents=True)
    (folder / "conf.d" / "elasticbeanstalk" / "00_application.conf").write_text(
        EB_APPLICATION_LOCATION % {"port": upstream_port}
    )
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir()
    temp_paths = "".join(
        f"    {name}_temp_path {folder}/{name};\n" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = conf.replace("http {\n", "http {\n" + temp_paths, 1)
    (folder / "nginx.conf").write_text(conf)
    return folder / "nginx.conf"


def test_it_accepts_the_bundles_nginx_conf(bundles, tmp_path):
    conf = _prefix(bundles["web"]["dir"], tmp_path, listen_port=free_port(), upstream_port=8000)
    result = subprocess.run(
        [_nginx_binary(), "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def nginx(bundles, web_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    conf = _prefix(bundles["web"]["dir"], folder, listen_port=port, upstream_port=int(web_server.rsplit(":", 1)[1]))
    process = subprocess.Popen(
        [_nginx_binary(), "-p", str(folder), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: _reachable("127.0.0.1", port), timeout=20, what="nginx", process=process)
        yield port
    finally:
        stop(process)


def _request(port: int, method: str, path: str, headers: dict, body: bytes | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


HTTPS_FROM_ALB = {"Host": "api.padmakara.example", "X-Forwarded-Proto": "https"}


def test_it_compresses_pages_through_nginx(nginx):
    status, headers, body = _request(nginx, "GET", "/admin/login/", {**HTTPS_FROM_ALB, "Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("Content-Encoding") == "gzip"
    assert b"csrfmiddlewaretoken" in gzip.decompress(body)


def test_it_passes_the_load_balancers_scheme_through_to_django(nginx):
    status, headers, _body = _request(
        nginx, "GET", "/admin/login/", {"Host": "api.padmakara.example", "X-Forwarded-Proto": "http"}
    )
    assert status == 301
    assert headers["Location"].startswith("https://api.padmakara.example/")


@pytest.mark.parametrize(
    ("path", "size"),
    [
        ("/api/v1/progress/sync", 26 * 1024 * 1024),  # over every limit
        ("/api/v1/auth/login", 2 * 1024 * 1024),  # over the API's 1 MB, under the admin's 25 MB
        ("/admin/login/", 26 * 1024 * 1024),  # over the admin's 25 MB
        ("/api/v1/content/track/7c9e6679-7425-40de-944b-e07fc1f90ae7/read-along", 9 * 1024 * 1024),  # over 8 MB
    ],
)
def test_it_refuses_a_body_over_its_paths_limit_before_django_sees_it(nginx, path, size):
    status, _headers, _body = _request(
        nginx,
        "POST",
        path,
        {**HTTPS_FROM_ALB, "Content-Type": "application/json", "Content-Length": str(size)},
        body=b"",
    )
    assert status == 413


def test_it_passes_an_api_body_within_the_limit_to_django(nginx):
    status, _headers, body = _request(
        nginx,
        "POST",
        "/api/v1/auth/login",
        {**HTTPS_FROM_ALB, "Content-Type": "application/json"},
        body=b"{",
    )
    assert (status, b"invalid_json" in body) == (400, True)


def test_it_keeps_the_large_limit_for_the_admin(nginx):
    status, _headers, _body = _request(
        nginx,
        "POST",
        "/admin/login/",
        {**HTTPS_FROM_ALB, "Content-Type": "application/octet-stream"},
        body=b"x" * (2 * 1024 * 1024),
    )
    assert status != 413  # Django answers it (the staff chunked upload sends parts this large)


def test_it_lets_a_read_along_over_the_api_limit_through(nginx):
    status, _headers, _body = _request(
        nginx,
        "PUT",
        "/api/v1/content/track/7c9e6679-7425-40de-944b-e07fc1f90ae7/read-along",
        {**HTTPS_FROM_ALB, "Content-Type": "application/json"},
        body=b" " * (2 * 1024 * 1024),
    )
    assert status != 413  # Django answers it (staff only)


def test_it_answers_health_checks_by_instance_ip_through_nginx(nginx):
    status, _headers, _body = http_get(f"http://127.0.0.1:{nginx}/health/ready", headers={"Host": "10.0.3.17"})
    assert status == 200
