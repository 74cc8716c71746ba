"""The compatibility layer is views and shapes only: it reads through the other apps' selectors
and writes through their services, so there is one access rule, one merge, one signer."""

import ast
from pathlib import Path

COMPAT = Path(__file__).resolve().parents[2] / "compat"
# Test support writes the end-to-end data set itself (never served in production).
TEST_SUPPORT = {"dataset.py"}
# What a view may import from the apps below it: their selectors, services and the shared rules.
ALLOWED_FROM = {
    "accounts": {"activation", "selectors", "services", "authentication", "providers"},
    "retreats": {"selectors", "search", "access", "shapes"},
    "progress": {"selectors", "services"},
    "library": {"selectors", "services"},
    "media": {"selectors", "signing", "bundles", "read_along", "watermarks"},
}


def modules() -> list[Path]:
    return [path for path in COMPAT.rglob("*.py") if path.name not in TEST_SUPPORT and "management" not in path.parts]


def manager_uses(source: str) -> list[int]:
    """Lines of ``source`` that reach a model's manager (``.objects``, ``._default_manager``)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager", "_base_manager")
    ]


def test_it_never_queries_a_manager_directly():
    offences = [f"{path.name}:{line}" for path in modules() for line in manager_uses(path.read_text())]
    assert not offences, "compat reads through selectors and writes through services: " + ", ".join(offences)


def test_it_imports_no_models_only_selectors_and_services():
    offences = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                app, _, rest = node.module.partition(".")
                if app in ALLOWED_FROM:
                    names = {rest} if rest else {alias.name for alias in node.names}
                    if not names <= ALLOWED_FROM[app]:
                        offences.append(f"{path.name}:{node.lineno} from {node.module} import …")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.endswith(".models") or alias.name == "django.db.models":
                        offences.append(f"{path.name}:{node.lineno} import {alias.name}")
    assert not offences, ", ".join(offences)


def test_it_catches_a_manager_in_a_view():
    source = "from retreats.models import Retreat\n\n\ndef view():\n    return Retreat.objects.filter(pk=1)\n"
    assert manager_uses(source) == [5]
