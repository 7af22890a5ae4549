"""House rule: apps share only marketplace_site/types.py; no app imports another app."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("registry", "resolver", "sandbox", "reviews", "depgraph")
FORBIDDEN = (*APPS, "marketplace_site")
ALLOWED = {"marketplace_site.types"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
            found.append((node.lineno, node.module))
    return found


def violations(app: str, root: Path = ROOT) -> list[str]:
    problems = []
    for path in sorted((root / app).rglob("*.py")):
        for line, module in imported_modules(path):
            top = module.split(".")[0]
            if top == app or top not in FORBIDDEN:
                continue
            if any(module == allowed or module.startswith(allowed + ".") for allowed in ALLOWED):
                continue
            if module == "marketplace_site":  # "from marketplace_site import types"
                continue
            problems.append(f"{path.relative_to(root)}:{line} imports {module}")
    return problems


@pytest.mark.parametrize("app", APPS)
def test_app_imports_only_shared_types(app: str) -> None:
    assert violations(app) == []


def test_types_module_imports_only_stdlib_and_packaging() -> None:
    import sys

    allowed_third_party = {"packaging"}
    path = ROOT / "marketplace_site" / "types.py"
    for _, module in imported_modules(path):
        top = module.split(".")[0]
        assert (
            top in sys.stdlib_module_names or top in allowed_third_party or top == "__future__"
        ), f"types.py imports {module}"


def test_the_checker_catches_a_cross_app_import(tmp_path: Path) -> None:
    app = tmp_path / "reviews"
    app.mkdir()
    (app / "services.py").write_text(
        "from marketplace_site.types import Review\n"
        "from reviews.models import Review as Row\n"
        "import registry.models\n"
        "from marketplace_site import marketplace\n"
    )
    assert violations("reviews", root=tmp_path) == [
        "reviews/services.py:3 imports registry.models",
        "reviews/services.py:4 imports marketplace_site.marketplace",
    ]
