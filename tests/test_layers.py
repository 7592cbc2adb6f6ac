"""One-way layers: `lint-imports` (in `make test`) refuses an upward import anywhere; this
refuses an import of another app hidden inside a function, the usual way to dodge a cycle."""

import ast
from pathlib import Path

from django.conf import settings

APPS = (
    "academy",
    "competitions",
    "attendance",
    "bookings",
    "courses",
    "lecturers",
    "bases",
    "core",
)


def hidden_imports(path: Path, app: str) -> list[str]:
    """`module:line imported-name` for each import of another app inside a function."""
    found = []

    def visit(node, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if function and function != "ready":
                names = []
                if isinstance(child, ast.Import):
                    names = [alias.name for alias in child.names]
                elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                    names = [child.module]
                for name in names:
                    top = name.split(".")[0]
                    if top in APPS and top != app:
                        found.append(f"{path.relative_to(settings.BASE_DIR)}:{child.lineno} {name}")
            visit(child, function)

    visit(ast.parse(path.read_text(), filename=str(path)), None)
    return found


def test_no_app_imports_another_inside_a_function():
    found = []
    for app in APPS:
        for path in sorted((settings.BASE_DIR / app).rglob("*.py")):
            if "migrations" not in path.parts:
                found += hidden_imports(path, app)

    assert found == []


def test_the_check_finds_an_import_hidden_in_a_function(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    module = tmp_path / "core" / "example.py"
    module.parent.mkdir()
    module.write_text("def figures():\n    from bookings.models import Cohort\n")

    assert hidden_imports(module, "core") == ["core/example.py:2 bookings.models"]
