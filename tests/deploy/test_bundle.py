import shutil
import stat
import subprocess
import zipfile

import pytest

from deploy import build_bundle

from .conftest import PROJECT_DIR, procfile


def _names(path) -> set[str]:
    with zipfile.ZipFile(path) as bundle:
        return set(bundle.namelist())


def test_it_puts_what_elastic_beanstalk_needs_at_the_root(bundles):
    names = _names(bundles["web"]["zip"])
    for required in ("Procfile", "requirements.txt", "manage.py", "gunicorn.conf.py", "RELEASE"):
        assert required in names
    assert "padmakara/wsgi.py" in names
    assert "padmakara/settings.py" in names
    assert ".platform/nginx/nginx.conf" in names
    assert ".ebextensions/10_django.config" in names
    assert any(name.startswith("retreats/migrations/") for name in names)


def test_it_starts_gunicorn_in_the_web_bundle_and_celery_in_the_worker_bundle(bundles):
    web = procfile(bundles["web"]["dir"])
    worker = procfile(bundles["worker"]["dir"])
    assert list(web) == ["web", "ws"]
    assert web["web"][0] == "gunicorn"
    assert web["ws"] == ["python", "manage.py", "serve"]  # uvicorn on REALTIME_BIND, behind nginx's /ws/
    # EB wants `web` first in every Procfile; the worker environment adds the worker and beat.
    assert list(worker) == ["web", "worker", "beat"]
    assert worker["worker"][:4] == ["celery", "--app", "padmakara", "worker"]
    assert worker["beat"][:4] == ["celery", "--app", "padmakara", "beat"]


def test_it_leaves_beat_out_of_the_extra_workers_bundle(bundles):
    # Every Procfile process runs on every instance: only the single worker instance runs beat.
    tasks = procfile(bundles["tasks"]["dir"])
    assert list(tasks) == ["web", "worker"]
    assert tasks["worker"] == procfile(bundles["worker"]["dir"])["worker"]


@pytest.mark.parametrize("role", ["worker", "tasks"])
def test_it_migrates_only_from_the_web_bundle_and_only_on_the_leader(bundles, role):
    web_config = (bundles["web"]["dir"] / ".ebextensions/10_django.config").read_text()
    worker_config = (bundles[role]["dir"] / ".ebextensions/10_django.config").read_text()
    roles = web_config.split("02_database_roles:")[1].split("03_")[0]
    assert "manage.sh --as master ensure_database_roles" in roles
    assert "leader_only: true" in roles
    migrate = web_config.split("03_migrate:")[1].split("04_")[0]
    assert "manage.sh --as owner migrate --noinput" in migrate
    assert "leader_only: true" in migrate
    assert "collectstatic --noinput" in web_config
    worker_commands = [line for line in worker_config.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in worker_commands if "migrate" in line]


def test_it_keeps_hooks_and_scripts_executable(bundles):
    with zipfile.ZipFile(bundles["worker"]["zip"]) as bundle:
        hooks = [info for info in bundle.infolist() if info.filename.endswith(".sh")]
        assert {info.filename for info in hooks} >= {
            ".platform/hooks/postdeploy/90_smoke.sh",
            ".platform/confighooks/postdeploy/90_smoke.sh",
            ".platform/hooks/prebuild/10_ffmpeg.sh",
            ".platform/scripts/manage.sh",
        }
        for info in hooks:
            assert (info.external_attr >> 16) & stat.S_IXUSR, info.filename


def test_it_writes_the_version_into_release(bundles):
    assert (bundles["web"]["dir"] / "RELEASE").read_text().strip() == "test-1"


def test_it_leaves_out_tests_var_and_local_state(bundles):
    for built in bundles.values():
        names = _names(built["zip"])
        top_level = {name.split("/")[0] for name in names}
        assert not top_level & {"tests", "bench", "var", ".venv", ".git", "dist", "docs", "deploy"}
        assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]


@pytest.fixture
def dirty_checkout(tmp_path):
    """A copy of the project with the things a developer's checkout accumulates."""
    source = tmp_path / "checkout"
    shutil.copytree(
        PROJECT_DIR,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "var", "dist", "__pycache__", "node_modules", ".*_cache"),
    )
    (source / ".env").write_text("SECRET_KEY=local\n")
    (source / "var" / "media").mkdir(parents=True)
    (source / "var" / "db.sqlite3").write_bytes(b"SQLite format 3\0")
    (source / "var" / "secret_key").write_text("x" * 50)
    (source / "padmakara" / ".env.production").write_text("SECRET_KEY=prod\n")
    (source / "padmakara" / "cloudfront.pem").write_text("not really a key\n")
    (source / "retreats" / "__pycache__").mkdir(exist_ok=True)
    (source / "retreats" / "__pycache__" / "models.cpython-311.pyc").write_bytes(b"\0")
    (source / ".venv" / "bin").mkdir(parents=True)
    (source / ".venv" / "bin" / "python").write_text("")
    return source


def test_it_leaves_out_env_files_keys_and_local_databases(dirty_checkout, tmp_path):
    path = build_bundle.build(role="web", version="dirty", source=dirty_checkout, out_dir=tmp_path / "out")
    names = _names(path)
    assert not [name for name in names if name.startswith(("var/", ".venv/")) or "/var/" in name]
    assert not [name for name in names if name.split("/")[-1].startswith(".env")]
    assert "padmakara/cloudfront.pem" not in names
    assert not [name for name in names if name.endswith((".sqlite3", ".pyc"))]
    assert "padmakara/settings.py" in names


def test_it_refuses_to_bundle_a_file_holding_a_private_key(dirty_checkout, tmp_path):
    key_block = "-----BEGIN " + "PRIVATE KEY-----\nMIIB\n-----END " + "PRIVATE KEY-----\n"
    (dirty_checkout / "padmakara" / "signing.py").write_text(f'KEY = """{key_block}"""\n')
    with pytest.raises(build_bundle.BundleError, match="padmakara/signing.py"):
        build_bundle.build(role="web", version="leak", source=dirty_checkout, out_dir=tmp_path / "out")
    assert not list((tmp_path / "out").glob("*.zip"))


def test_it_refuses_to_bundle_an_aws_access_key(dirty_checkout, tmp_path):
    (dirty_checkout / "retreats" / "leak.py").write_text('KEY_ID = "AKIA' + "ABCDEFGHIJKLMNOP" + '"\n')
    assert build_bundle.main(["--role", "web", "--version", "x", "--source", str(dirty_checkout)]) == 1


def test_it_builds_the_same_zip_from_the_same_tree(tmp_path):
    first = build_bundle.build(role="worker", version="same", source=PROJECT_DIR, out_dir=tmp_path / "a")
    second = build_bundle.build(role="worker", version="same", source=PROJECT_DIR, out_dir=tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_it_installs_ffmpeg_only_where_celery_processes_media(bundles):
    hook = ".platform/hooks/prebuild/10_ffmpeg.sh"

    assert hook in _names(bundles["worker"]["zip"])
    assert hook in _names(bundles["tasks"]["zip"])
    assert hook not in _names(bundles["web"]["zip"])


@pytest.mark.parametrize(
    ("role", "secret"),
    [
        ("", "padmakara/test/database-app"),
        ("owner", "padmakara/test/database-owner"),
        ("master", "padmakara/test/database"),
    ],
)
def test_it_runs_commands_as_the_role_asked_for(bundles, production_env, role, secret):
    env = {
        **production_env,
        "DATABASE_SECRET_ID": "padmakara/test/database-app",
        "DATABASE_OWNER_SECRET_ID": "padmakara/test/database-owner",
        "DATABASE_MASTER_SECRET_ID": "padmakara/test/database",
    }
    code = "import os; print(os.environ['DATABASE_SECRET_ID'], os.environ['DATABASE_APP_SECRET_ID'])"
    result = subprocess.run(
        [".platform/scripts/manage.sh", *(["--as", role] if role else []), "shell", "--verbosity", "0", "-c", code],
        cwd=bundles["web"]["dir"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [secret, "padmakara/test/database-app"]


def test_it_refuses_an_unknown_role(bundles, production_env):
    result = subprocess.run(
        [".platform/scripts/manage.sh", "--as", "root", "check"],
        cwd=bundles["web"]["dir"],
        env=production_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--as takes owner or master" in result.stderr


def test_it_ships_the_waf_association_and_collector_with_the_right_bundles(bundles):
    assert (bundles["web"]["dir"] / ".ebextensions/20_waf.config").exists()
    assert not (bundles["worker"]["dir"] / ".ebextensions/20_waf.config").exists()
    for role in ("web", "worker", "tasks"):
        assert (bundles[role]["dir"] / ".platform/otel/collector.yaml").exists()
        hook = bundles[role]["dir"] / ".platform/hooks/prebuild/20_otel_collector.sh"
        assert hook.stat().st_mode & 0o111
