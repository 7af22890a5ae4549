import os
import shutil

import pytest


@pytest.fixture
def dot() -> str:
    """Graphviz's dot (Debian package ``graphviz``): required in CI, skipped elsewhere."""
    path = shutil.which("dot")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Graphviz is missing: the test command installs Debian's graphviz.")
        pytest.skip("Graphviz's dot is not installed.")
    return path
