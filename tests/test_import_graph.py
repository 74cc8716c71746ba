"""The project's apps import each other along the layers of the style guide, and never in a cycle.

The graph is read from the code with ``ast``: every ``import x`` and ``from x import y``,
at module level or inside a function, in every module of an app but its migrations. An app may
import only the apps of a lower layer; a signal or a registry (``padmakara.admin.extend_admin``
for the admin) turns an arrow that wants to run upward around.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

# Lowest first. An app imports only apps of the layers before its own.
LAYERS = [
    {"padmakara"},  # settings, API pieces, mail, shared admin helpers
    {"accounts"},
    {"retreats"},
    {"media", "progress", "subscriptions"},
    {"notifications", "library"},
    {"dashboard"},
    {"realtime"},  # the WebSocket consumer: above everything whose events it carries
    {"demo"},
    {"compat"},  # the mobile app's own API: views and shapes over everything below (its e2e seed uses demo's audio)
]
LAYER = {app: number for number, layer in enumerate(LAYERS) for app in layer}
BASE_DIR = Path(settings.BASE_DIR)


def _project_apps() -> list[str]:
    """Top-level packages of this repository that are installed apps (a virtualenv inside the
    checkout holds installed apps too, but not as packages at the top of it)."""
    top = BASE_DIR.resolve()
    return sorted(
        {config.name.split(".")[0] for config in apps.get_app_configs() if Path(config.path).resolve().parent == top}
    )


def _imported_modules(tree: ast.AST):
    for node in ast.walk(tree):  # walks into functions and classes too
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def import_graph(app_names) -> dict[tuple[str, str], list[str]]:
    """``{(importer, imported): ["file:line", …]}`` between the given apps."""
    names = set(app_names)
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for app in sorted(names):
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            relative = path.relative_to(BASE_DIR)
            if "migrations" in relative.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
            for line, module in _imported_modules(tree):
                target = module.split(".")[0]
                if target in names and target != app:
                    edges[(app, target)].append(f"{relative}:{line}")
    return dict(edges)


def find_cycle(edges) -> list[str] | None:
    """One cycle as ``[a, b, …, a]``, or None."""
    successors = defaultdict(set)
    for importer, imported in edges:
        successors[importer].add(imported)
    done: set[str] = set()

    def visit(node, path):
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for following in sorted(successors[node]):
            cycle = visit(following, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(successors):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def _describe(edges, pairs) -> str:
    return "\n".join(f"  {a} -> {b}: {', '.join(edges[(a, b)])}" for a, b in pairs)


@pytest.fixture(scope="module")
def project_apps():
    return _project_apps()


@pytest.fixture(scope="module")
def edges(project_apps):
    return import_graph(project_apps)


def test_it_knows_the_layer_of_every_app(project_apps):
    assert {"padmakara", "accounts", "retreats", "media", "progress", "notifications", "dashboard"} <= set(project_apps)
    unplaced = [app for app in project_apps if app not in LAYER]
    assert unplaced == [], f"give these apps a layer in LAYERS: {unplaced}"


def test_the_apps_import_each_other_in_no_cycle(edges):
    cycle = find_cycle(edges)
    if cycle:
        pairs = list(zip(cycle, cycle[1:], strict=False))
        pytest.fail(f"import cycle {' -> '.join(cycle)}:\n{_describe(edges, pairs)}")


def test_an_app_imports_only_the_apps_below_it(edges):
    upward = sorted(pair for pair in edges if LAYER.get(pair[0], -1) <= LAYER.get(pair[1], -1))
    assert not upward, "imports that do not go down the layers:\n" + _describe(edges, upward)


def test_it_reads_imports_inside_functions_too():
    tree = ast.parse("import a.b\n\ndef f():\n    from c.d import e\n    import f as g\n")

    assert [module for _, module in _imported_modules(tree)] == ["a.b", "c.d", "f"]


def test_it_names_a_cycle():
    edges = {("accounts", "progress"): ["x"], ("progress", "retreats"): ["y"], ("retreats", "accounts"): ["z"]}

    assert find_cycle(edges) == ["accounts", "progress", "retreats", "accounts"]
    assert find_cycle({("accounts", "padmakara"): ["x"]}) is None
