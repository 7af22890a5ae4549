"""Start the zygote (see ``sandbox.zygote``); run by path with ``python -I -S -B``.

``-I`` leaves the project off ``sys.path``: it is put there only while the zygote's own
modules load, so what runs can import (and what the read-only root holds) is the standard
library alone.
"""

import os
import sys

STDLIB_PATH = list(sys.path)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from sandbox.zygote import preload, server  # noqa: E402

sys.path[:] = STDLIB_PATH
del preload  # imported for its side effect: the modules stay loaded

if __name__ == "__main__":
    server.main(sys.argv)
