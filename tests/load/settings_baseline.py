"""The production settings plus ``/baseline/``, a minimal page for the page benchmark.

Only ``tests/benchmarks/bench_pages.py`` serves these settings (through gunicorn, beside the
real pages, so both run on the same server): the real site never has a baseline page.
"""

import copy
from pathlib import Path
from typing import cast

from marketplace_site.settings import *  # noqa: F403 - extends the production settings
from marketplace_site.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "tests.load.baseline_urls"

TEMPLATES = copy.deepcopy(TEMPLATES)
_dirs = cast("list[Path]", TEMPLATES[0]["DIRS"])
TEMPLATES[0]["DIRS"] = [*_dirs, BASE_DIR / "tests" / "load" / "templates"]
