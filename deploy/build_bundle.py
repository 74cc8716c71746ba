#!/usr/bin/env python3
"""Build the Elastic Beanstalk source bundles: one zip per environment role.

    python deploy/build_bundle.py                  # dist/padmakara-web-<version>.zip and -worker-
    python deploy/build_bundle.py --role web --version 2026.11.26-1

A bundle is the application code (manage.py, requirements.txt, every top-level Python package
but tests/ and bench/, templates/locale/static folders if present), the Elastic Beanstalk files
of its role from deploy/eb/ (Procfile at the root, .ebextensions/, .platform/), gunicorn.conf.py
and a RELEASE file naming the version. Left out: var/, virtualenvs, VCS data, caches, tests,
local databases and anything that looks like a secret; a file whose content holds a private key
or an AWS access key stops the build. Needs only the standard library.
"""

import argparse
import re
import stat
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

DEPLOY_DIR = Path(__file__).resolve().parent
PROJECT_DIR = DEPLOY_DIR.parent
ROLES = ("web", "worker", "tasks")
# deploy/eb/<layer> folders overlaid in order, later ones winning: the roles that run Celery
# share what processing needs (ffmpeg) instead of each keeping a copy.
ROLE_LAYERS = {
    "web": ("common", "web"),
    "worker": ("common", "processing", "worker"),
    "tasks": ("common", "processing", "tasks"),
}

TOP_LEVEL_FILES = ("manage.py", "requirements.txt")
TOP_LEVEL_DATA_DIRS = ("templates", "locale", "static")
NOT_SHIPPED_PACKAGES = {"tests", "bench", "deploy", "docs"}

# Never shipped, wherever they appear.
EXCLUDED_DIR_NAMES = {
    "__pycache__",
    ".git",
    ".venv",
    "venv",
    "var",
    "node_modules",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    "dist",
    "test-artifacts",
}
EXCLUDED_FILE_PATTERNS = [
    re.compile(pattern)
    for pattern in (
        r"\.py[co]$",
        r"^\.env(\..*)?$",
        r"\.(pem|key|p12|pfx|sqlite3?|db|log)$",
        r"^id_(rsa|dsa|ecdsa|ed25519)",
        r"^\.DS_Store$",
        r"^secret_key$",
        r"credentials$",
    )
]
SECRET_CONTENT = re.compile(
    rb"-----BEGIN (?:RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----"
    rb"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"
    rb"|aws_secret_access_key\s*=\s*\S{20,}",
)

# Fixed timestamp: the same tree gives the same zip, whatever the files' mtimes.
ZIP_EPOCH = (2020, 1, 1, 0, 0, 0)


class BundleError(Exception):
    pass


def _excluded(path: Path) -> bool:
    return any(part in EXCLUDED_DIR_NAMES for part in path.parts) or any(
        pattern.search(path.name) for pattern in EXCLUDED_FILE_PATTERNS
    )


def _walk(root: Path, base: Path):
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(base)
        if path.is_file() and not _excluded(relative):
            yield path, relative.as_posix()


def application_files(source: Path):
    """(path on disk, name in the zip) for the application code."""
    for name in TOP_LEVEL_FILES:
        if not (source / name).is_file():
            raise BundleError(f"{name} is missing from {source}")
        yield source / name, name
    for entry in sorted(source.iterdir()):
        if not entry.is_dir() or entry.name.startswith(".") or _excluded(Path(entry.name)):
            continue
        is_package = (entry / "__init__.py").is_file() and entry.name not in NOT_SHIPPED_PACKAGES
        if is_package or entry.name in TOP_LEVEL_DATA_DIRS:
            yield from _walk(entry, source)


def role_files(role: str, eb_dir: Path):
    """The Elastic Beanstalk files of a role: its layers of deploy/eb/ (``ROLE_LAYERS``) overlaid."""
    files = {}
    for layer in (eb_dir / name for name in ROLE_LAYERS[role]):
        for path in sorted(layer.rglob("*")):
            if path.is_file() and not _excluded(path.relative_to(layer)):
                files[path.relative_to(layer).as_posix()] = path
    if "Procfile" not in files:
        raise BundleError(f"deploy/eb/{role}/Procfile is missing")
    return sorted((path, name) for name, path in files.items())


def _check_no_secrets(path: Path, name: str) -> None:
    if SECRET_CONTENT.search(path.read_bytes()):
        raise BundleError(f"{name} looks like it holds a secret (private key or AWS key); not bundling it")


def _add(bundle: zipfile.ZipFile, path: Path, name: str) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.create_system = 3  # unix, so unzip on the instance keeps the mode bits
    executable = path.stat().st_mode & stat.S_IXUSR
    info.external_attr = ((stat.S_IFREG | (0o755 if executable else 0o644)) & 0xFFFF) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    bundle.writestr(info, path.read_bytes())


def default_version(source: Path) -> str:
    try:
        described = subprocess.run(
            ["git", "-C", str(source), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = "nogit"
    return f"{datetime.now(tz=UTC):%Y%m%d%H%M%S}-{described}"


def build(*, role: str, version: str, source: Path = PROJECT_DIR, out_dir: Path | None = None) -> Path:
    """Write dist/padmakara-<role>-<version>.zip and return its path."""
    if role not in ROLES:
        raise BundleError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", version):
        raise BundleError("version may hold letters, digits, '.', '_' and '-' only")
    out_dir = out_dir or source / "dist"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"padmakara-{role}-{version}.zip"

    entries = [
        *application_files(source),
        *role_files(role, source / "deploy" / "eb"),
        (source / "deploy" / "gunicorn.conf.py", "gunicorn.conf.py"),
    ]
    names = [name for _, name in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise BundleError(f"two files would land at the same place in the bundle: {duplicates}")
    for path, name in entries:
        _check_no_secrets(path, name)

    partial = target.with_suffix(".zip.part")
    with zipfile.ZipFile(partial, "w") as bundle:
        for path, name in entries:
            _add(bundle, path, name)
        info = zipfile.ZipInfo("RELEASE", date_time=ZIP_EPOCH)
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        bundle.writestr(info, f"{version}\n")
    partial.replace(target)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--role", action="append", choices=ROLES, help="environment role (default: both)")
    parser.add_argument("--version", help="version label (default: UTC timestamp + git describe)")
    parser.add_argument("--source", type=Path, default=PROJECT_DIR, help="project checkout to bundle")
    parser.add_argument("--out", type=Path, help="output folder (default: <source>/dist)")
    args = parser.parse_args(argv)
    version = args.version or default_version(args.source)
    try:
        for role in args.role or ROLES:
            print(build(role=role, version=version, source=args.source.resolve(), out_dir=args.out))
    except BundleError as exc:
        print(f"bundle not built: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
