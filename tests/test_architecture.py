"""House rules that import-linter cannot express.

The import rules themselves (apps independent, apps import only ``marketplace_site.types``
from the site, the layers inside ``marketplace_site``) are import-linter contracts in
pyproject.toml, checked by ``lint-imports`` in .ci/test. import-linter sees only imports
between the project's own packages, so the rule that the shared types import nothing but the
standard library and ``packaging`` is checked here.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWED_THIRD_PARTY = {"packaging"}


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def test_types_package_imports_only_stdlib_and_packaging() -> None:
    modules = sorted((ROOT / "marketplace_site" / "types").glob("*.py"))
    assert len(modules) > 1
    for path in modules:
        for module in imported_modules(path):
            top = module.split(".")[0]
            assert (
                top in sys.stdlib_module_names
                or top in ALLOWED_THIRD_PARTY
                or top == "__future__"
                or module.startswith("marketplace_site.types.")
            ), f"types/{path.name} imports {module}"
