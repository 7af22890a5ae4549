"""The registry's migrations hold their own frozen SQL: editing the live search code (or any
other module of the app) never changes what an old migration does to a database."""

import ast
import sys
from pathlib import Path

import pytest

MIGRATIONS = sorted((Path(__file__).resolve().parents[2] / "registry" / "migrations").glob("0*.py"))
# packaging reads PEP 440 versions as the standard says (0004 re-keys versions with it); what
# is refused is the project's own code, which changes under an old migration's feet.
ALLOWED = {"django", "packaging", *sys.stdlib_module_names}


def imported_packages(path: Path) -> set[str]:
    packages: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            packages.add("." if node.level else str(node.module).split(".")[0])
    return packages


def test_there_are_migrations_to_check() -> None:
    assert len(MIGRATIONS) >= 3


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda path: path.name)
def test_a_migration_imports_only_django_packaging_and_the_standard_library(path: Path) -> None:
    assert imported_packages(path) <= ALLOWED
