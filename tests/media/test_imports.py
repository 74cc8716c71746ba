"""Media's imports: no app above it (notifications, dashboard; they listen to media's signals
instead), and no circle among media's own modules, at module level or inside a function."""

import ast
from pathlib import Path

import media

MEDIA = Path(media.__file__).parent
ABOVE = {"notifications", "dashboard"}


def _imports() -> dict[str, set[str]]:
    """Every module of media → the top-level packages and media modules it imports."""
    found = {}
    for path in MEDIA.glob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 1:
                modules = [node.module] if node.module else [alias.name for alias in node.names]
                names.update(f"media.{module.split('.')[0]}" for module in modules)
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                if node.module == "media":
                    names.update(f"media.{alias.name}" for alias in node.names)
        found[path.stem] = names
    return found


def test_media_imports_no_app_above_it():
    upward = {module: sorted(n for n in names if n.split(".")[0] in ABOVE) for module, names in _imports().items()}
    assert {module: names for module, names in upward.items() if names} == {}


def test_media_modules_import_each_other_without_a_circle():
    imports = _imports()
    graph = {
        module: {n.split(".")[1] for n in names if n.startswith("media.") and n.split(".")[1] in imports} - {module}
        for module, names in imports.items()
    }
    circles, done = [], set()

    def visit(module, path):
        if module in path:
            circles.append(path[path.index(module) :] + [module])
            return
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert circles == []
